import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter, responseReason } from '../src/classify.js';
import { pushMessageHeaders } from '../src/push-headers.js';
import { resolveRetryPolicy, retryDelay } from '../src/retry.js';

describe('classifyResponse', () => {
  it.each([
    [201, 'delivered', true],
    [202, 'delivered', true],
    [200, 'delivered', true],
    [404, 'expired', true],
    [410, 'expired', true],
    [413, 'too-large', true],
    [400, 'rejected', true],
    [401, 'rejected', true],
    [403, 'rejected', true],
    [429, 'rate-limited', false],
    [408, 'failed', false],
    [500, 'failed', false],
    [502, 'failed', false],
    [503, 'failed', false],
  ])('%i is %s (final: %s)', (status, outcome, final) => {
    expect(classifyResponse(status, {}, '', 0)).toMatchObject({ outcome, final });
  });

  it('carries Retry-After of 429 and 503', () => {
    expect(classifyResponse(429, { 'retry-after': '7' }, '', 0)).toMatchObject({ retryAfterMs: 7000 });
    expect(classifyResponse(503, { 'retry-after': '2' }, '', 0)).toMatchObject({ retryAfterMs: 2000 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5000);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('responseReason', () => {
  it('quotes the shapes push services use', () => {
    expect(responseReason(400, '{"code":400,"errno":109,"error":"Bad Request","message":"Invalid VAPID"}')).toBe(
      'Invalid VAPID',
    );
    expect(responseReason(403, '{"reason":"BadJwtToken"}')).toBe('BadJwtToken');
    expect(responseReason(400, '{"error":{"code":400,"message":"invalid token","status":"INVALID_ARGUMENT"}}')).toBe(
      'invalid token',
    );
    expect(responseReason(400, 'plain\n  text ')).toBe('plain text');
    expect(responseReason(400, '')).toBe('HTTP 400');
    expect(responseReason(400, '{broken')).toBe('{broken');
  });
});

describe('retryDelay', () => {
  it('stays within [ceiling/2, ceiling], never under Retry-After, and gives up past the policy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, retryAfterMs, r) => {
          const policy = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 5000, maxRetryAfterMs: 60_000 });
          const delay = retryDelay(policy, retry, retryAfterMs, () => r);
          if (retryAfterMs !== undefined && retryAfterMs > 60_000) {
            expect(delay).toBeUndefined();
            return;
          }
          const ceiling = Math.min(5000, 100 * 2 ** (retry - 1));
          expect(delay).toBeGreaterThanOrEqual(Math.max(ceiling / 2, retryAfterMs ?? 0));
          expect(delay).toBeLessThanOrEqual(Math.max(ceiling, retryAfterMs ?? 0));
        },
      ),
    );
  });

  it('rejects negative or non-numeric policies', () => {
    expect(() => resolveRetryPolicy({ retries: -1 })).toThrow(/retry.retries/);
    expect(() => resolveRetryPolicy({ baseDelayMs: Number.NaN })).toThrow(/retry.baseDelayMs/);
    expect(resolveRetryPolicy(false).retries).toBe(0);
  });
});

describe('pushMessageHeaders', () => {
  it('accepts any 1..32 base64url topic and rejects everything else', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (topic) => {
        const valid = /^[A-Za-z0-9_-]{1,32}$/.test(topic);
        if (valid) expect(pushMessageHeaders({ topic }).Topic).toBe(topic);
        else expect(() => pushMessageHeaders({ topic })).toThrow(/Topic must be/);
      }),
    );
  });

  it('sets TTL (default four weeks) and Urgency', () => {
    expect(pushMessageHeaders({})).toEqual({ TTL: '2419200' });
    expect(pushMessageHeaders({ ttl: 0, urgency: 'very-low' })).toEqual({ TTL: '0', Urgency: 'very-low' });
  });
});
