import {
  backoffDelay,
  DEFAULT_PUSH_SERVICE_ORIGINS,
  type DeclarativePush,
  encodeDeclarativePush,
  endpointRefusal,
  InvalidAllowlistError,
  InvalidPushMessageError,
  jobOutcome,
  MAX_DECLARATIVE_PUSH_BYTES,
  parseAllowlist,
  validateDeclarativePush,
} from '@outpost/server';
import type { SendResult } from '@outpost/webpush';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveQueueRetryPolicy } from '../src/push/outcome.js';

const MESSAGE: DeclarativePush = {
  web_push: 8030,
  notification: {
    title: 'Alice',
    navigate: 'https://chat.example/c/alice',
    body: 'Lunch?',
    tag: 'chat:alice',
    dir: 'ltr',
    timestamp: 1_700_000_000_000,
    silent: false,
    data: { conversation: 'alice' },
    actions: [{ action: 'read', title: 'Mark as read', navigate: '/c/alice?read' }],
  },
  app_badge: 3,
  mutable: true,
};

describe('declarative push messages', () => {
  it('accepts every spec field and encodes the message as JSON', () => {
    expect(JSON.parse(encodeDeclarativePush(MESSAGE))).toEqual(MESSAGE);
  });

  it('names the first bad field', () => {
    const bad: [unknown, string][] = [
      [null, 'message'],
      [{ ...MESSAGE, web_push: 8031 }, 'web_push'],
      [{ ...MESSAGE, extra: 1 }, 'extra'],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, title: '' } }, 'notification.title'],
      [{ ...MESSAGE, notification: { title: 'x' } }, 'notification.navigate'],
      [
        { ...MESSAGE, notification: { ...MESSAGE.notification, navigate: 'javascript:alert(1)' } },
        'notification.navigate',
      ],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, navigate: '//evil.example/' } }, 'notification.navigate'],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, body: 5 } }, 'notification.body'],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, dir: 'up' } }, 'notification.dir'],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, silent: 'no' } }, 'notification.silent'],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, timestamp: -1 } }, 'notification.timestamp'],
      [{ ...MESSAGE, notification: { ...MESSAGE.notification, vibrate: [1] } }, 'notification.vibrate'],
      [
        { ...MESSAGE, notification: { ...MESSAGE.notification, actions: [{ title: 'x' }] } },
        'notification.actions[0].action',
      ],
      [{ ...MESSAGE, app_badge: -1 }, 'app_badge'],
      [{ ...MESSAGE, app_badge: 1.5 }, 'app_badge'],
      [{ ...MESSAGE, mutable: 1 }, 'mutable'],
    ];
    for (const [message, field] of bad) {
      expect(() => validateDeclarativePush(message), field).toThrow(InvalidPushMessageError);
      try {
        validateDeclarativePush(message);
      } catch (error) {
        expect((error as InvalidPushMessageError).field).toBe(field);
      }
    }
  });

  it('encodes any message of at most 3,000 bytes and refuses any larger one (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 1200 }), fc.string({ maxLength: 40 }), (body, title) => {
        const message = { web_push: 8030, notification: { title: `t${title}`, navigate: '/', body } };
        const size = Buffer.byteLength(JSON.stringify(message), 'utf8');
        if (size <= MAX_DECLARATIVE_PUSH_BYTES) {
          expect(JSON.parse(encodeDeclarativePush(message))).toEqual(message);
        } else {
          expect(() => encodeDeclarativePush(message)).toThrow(/more than the 3000/);
        }
      }),
    );
  });
});

describe('endpoint allowlist', () => {
  const rules = parseAllowlist([...DEFAULT_PUSH_SERVICE_ORIGINS, 'http://127.0.0.1:8081']);

  it('allows the browsers’ push services and configured origins', () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAA',
      'https://web.push.apple.com/QGuw',
      'https://api.push.apple.com/3/device/x',
      'https://wns2-by3p.notify.windows.com/w/?token=x',
      'http://127.0.0.1:8081/wpush/v2/abc',
    ]) {
      expect(endpointRefusal(endpoint, rules), endpoint).toBeNull();
    }
  });

  it('refuses anything else with a reason', () => {
    expect(endpointRefusal('https://evil.example/x', rules)).toMatch(/not an allowed push service/);
    expect(endpointRefusal('http://127.0.0.1:8082/x', rules)).toMatch(/must be https/);
    expect(endpointRefusal('http://fcm.googleapis.com/x', rules)).toMatch(/must be https/);
    expect(endpointRefusal('https://fcm.googleapis.com:444/x', rules)).toMatch(/not an allowed/);
    expect(endpointRefusal('https://x.notify.windows.com:8443/x', rules)).toMatch(/not an allowed/);
    expect(endpointRefusal('https://notify.windows.com/x', rules)).toMatch(/not an allowed/);
    expect(endpointRefusal('https://a@fcm.googleapis.com/x', rules)).toMatch(/credentials/);
    expect(endpointRefusal(`https://fcm.googleapis.com/${'a'.repeat(3000)}`, rules)).toMatch(/longer/);
    expect(endpointRefusal(42, rules)).toMatch(/string/);
  });

  it('never allows a host that does not end in an allowed domain (property)', () => {
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        const allowed = endpointRefusal(`https://${domain}/push`, rules) === null;
        const known = [
          'fcm.googleapis.com',
          'android.googleapis.com',
          'updates.push.services.mozilla.com',
          'web.push.apple.com',
        ];
        const suffixes = ['.push.services.mozilla.com', '.push.apple.com', '.notify.windows.com'];
        const host = new URL(`https://${domain}`).hostname;
        expect(allowed).toBe(known.includes(host) || suffixes.some((s) => host.endsWith(s)));
      }),
    );
  });

  it('refuses malformed allowlist entries', () => {
    expect(() => parseAllowlist(['https://example.com/path'])).toThrow(InvalidAllowlistError);
    expect(() => parseAllowlist(['http://*.example.com'])).toThrow(InvalidAllowlistError);
    expect(() => parseAllowlist(['ftp://example.com'])).toThrow(InvalidAllowlistError);
  });
});

describe('job outcome', () => {
  const policy = resolveQueueRetryPolicy({ maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 });
  const base = { endpoint: 'https://fcm.googleapis.com/x', attempts: 1 };
  const job = { attempts: 1, expiresAt: 10_000_000 };

  it('maps each send result', () => {
    expect(jobOutcome({ ...base, result: 'delivered', status: 201 }, job, 0, policy)).toEqual({ kind: 'sent' });
    expect(jobOutcome({ ...base, result: 'expired', status: 410, reason: 'gone' }, job, 0, policy)).toMatchObject({
      kind: 'gone',
    });
    expect(jobOutcome({ ...base, result: 'too-large', status: 413, reason: 'big' }, job, 0, policy)).toEqual({
      kind: 'failed',
      reason: 'HTTP 413: big',
    });
    expect(jobOutcome({ ...base, result: 'rejected', status: 403, reason: 'bad jwt' }, job, 0, policy)).toEqual({
      kind: 'failed',
      reason: 'HTTP 403: bad jwt',
    });
    expect(
      jobOutcome({ ...base, result: 'failed', reason: 'ECONNREFUSED' }, { ...job, attempts: 5 }, 0, policy),
    ).toEqual({ kind: 'dead', reason: 'ECONNREFUSED (gave up after 5 attempts)' });
    expect(
      jobOutcome(
        { ...base, result: 'rate-limited', status: 429, reason: 'slow', retryAfterSeconds: 7200 },
        job,
        0,
        policy,
      ),
    ).toMatchObject({ kind: 'dead' });
  });

  it('retries no sooner than Retry-After, within the backoff cap, and never past the TTL (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, retryAfterSeconds, ttlLeft, random) => {
          const result: SendResult = {
            ...base,
            result: 'rate-limited',
            status: 429,
            reason: 'slow down',
            ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          };
          const now = 1_000_000;
          const outcome = jobOutcome(result, { attempts, expiresAt: now + ttlLeft }, now, policy, () => random);
          const wait = backoffDelay(
            policy,
            attempts,
            retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
            () => random,
          );
          if (outcome.kind === 'retry') {
            expect(outcome.runAt).toBeLessThan(now + ttlLeft);
            expect(outcome.runAt - now).toBeGreaterThanOrEqual((retryAfterSeconds ?? 0) * 1000);
            expect(outcome.runAt - now).toBeGreaterThanOrEqual(
              Math.min(policy.maxDelayMs, 1000 * 2 ** (attempts - 1)) / 2,
            );
            expect(Number.isInteger(outcome.runAt)).toBe(true);
          } else {
            expect(outcome.kind).toBe('expired');
            expect(now + wait).toBeGreaterThanOrEqual(now + ttlLeft - 1);
          }
        },
      ),
    );
  });
});
