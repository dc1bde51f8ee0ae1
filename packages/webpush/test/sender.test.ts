import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt } from '../src/encrypt.js';
import { PushCryptoError, PushRequestError } from '../src/errors.js';
import { PushHttpClient } from '../src/http-client.js';
import { generateUserAgentKeys, subscriptionKeys, type UserAgentKeys } from '../src/keys.js';
import { type SendOptions, sendNotification } from '../src/sender.js';
import { generateVapidKeys, type VapidKeys } from '../src/vapid.js';
import { verifyVapid } from '../src/vapid-verify.js';
import { defined } from './defined.js';
import { type FakePushService, startFakePushService } from './fake-push-service.js';
import { selfSignedCertificate } from './tls-cert.js';

let service: FakePushService;
let ua: UserAgentKeys;
let vapid: VapidKeys;
const client = new PushHttpClient();
const subject = 'mailto:ops@example.com';

beforeAll(async () => {
  service = await startFakePushService();
  ua = await generateUserAgentKeys();
  vapid = await generateVapidKeys();
});
afterAll(async () => {
  await client.close();
  await service.close();
});

const sub = (path: string) => ({ endpoint: service.endpoint(path), keys: subscriptionKeys(ua) });
const fast: SendOptions = { client, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } };

describe('sendNotification against a fake push service', () => {
  it('delivers with TTL, Urgency, Topic, an encrypted body and a VAPID header for the origin', async () => {
    const result = await sendNotification(sub('/status/201'), 'hello', {
      ...fast,
      vapid: { keys: vapid, subject },
      ttl: 60,
      urgency: 'high',
      topic: 'inbox_1',
    });
    expect(result).toEqual({
      result: 'delivered',
      endpoint: service.endpoint('/status/201'),
      status: 201,
      location: '/m/1',
      attempts: 1,
    });
    const request = defined(service.requests.at(-1), 'last request');
    expect(request.headers).toMatchObject({
      ttl: '60',
      urgency: 'high',
      topic: 'inbox_1',
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
    });
    expect(new TextDecoder().decode(await decrypt(request.body, ua))).toBe('hello');
    const verified = await verifyVapid({
      authorization: request.headers.authorization as string,
      audience: service.origin,
    });
    expect(verified.ok && verified.claims.aud).toBe(service.origin);
  });

  it('sends aesgcm with its Encryption and Crypto-Key headers', async () => {
    await sendNotification(sub('/status/202'), 'legacy', { ...fast, encoding: 'aesgcm' });
    const request = defined(service.requests.at(-1), 'last request');
    const headers = request.headers as Record<string, string>;
    expect(headers['content-encoding']).toBe('aesgcm');
    expect(new TextDecoder().decode(await decrypt(request.body, ua, { headers }))).toBe('legacy');
  });

  it('signs aesgcm with the legacy form: Authorization WebPush <jwt> and p256ecdsa next to dh in Crypto-Key', async () => {
    await sendNotification(sub('/status/201'), 'legacy signed', {
      ...fast,
      encoding: 'aesgcm',
      vapid: { keys: vapid, subject },
    });
    const headers = defined(service.requests.at(-1), 'last request').headers as Record<string, string>;
    expect(headers.authorization).toMatch(/^WebPush [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(headers['crypto-key']).toMatch(new RegExp(`^dh=[\\w-]{87};p256ecdsa=${vapid.publicKey}$`));
    expect(
      new TextDecoder().decode(await decrypt(defined(service.requests.at(-1), 'last request').body, ua, { headers })),
    ).toBe('legacy signed');
    const verified = await verifyVapid({
      authorization: headers.authorization,
      cryptoKey: headers['crypto-key'],
      audience: service.origin,
    });
    expect(verified.ok).toBe(true);
    // aes128gcm from the same sender, right after, keeps RFC 8292's form and no Crypto-Key.
    await sendNotification(sub('/status/201'), 'modern', { ...fast, vapid: { keys: vapid, subject } });
    const modern = defined(service.requests.at(-1), 'last request').headers;
    expect(modern.authorization).toMatch(new RegExp(`^vapid t=[\\w.-]+, k=${vapid.publicKey}$`));
    expect(modern['crypto-key']).toBeUndefined();
  });

  it('sends a push without payload as an empty body with no encryption headers', async () => {
    const result = await sendNotification(sub('/status/201'), null, fast);
    expect(result.result).toBe('delivered');
    const request = defined(service.requests.at(-1), 'last request');
    expect(request.body.length).toBe(0);
    expect(request.headers['content-encoding']).toBeUndefined();
    expect(request.headers.ttl).toBe(String(4 * 7 * 24 * 3600));
  });

  it.each([
    ['/status/202', { result: 'delivered', status: 202, attempts: 1 }],
    ['/status/404', { result: 'expired', status: 404, attempts: 1 }],
    ['/status/410?reason=unsubscribed', { result: 'expired', status: 410, reason: 'unsubscribed', attempts: 1 }],
    ['/status/413', { result: 'too-large', status: 413, attempts: 1 }],
    ['/status/400?reason=bad%20VAPID', { result: 'rejected', status: 400, reason: 'bad VAPID', attempts: 1 }],
    ['/status/403', { result: 'rejected', status: 403, reason: 'HTTP 403', attempts: 1 }],
    ['/status/500', { result: 'failed', status: 500, attempts: 3 }],
    ['/status/503?retry-after=0', { result: 'failed', status: 503, attempts: 3 }],
    ['/status/429?retry-after=0', { result: 'rate-limited', status: 429, retryAfterSeconds: 0, attempts: 3 }],
    ['/status/429?retry-after=3600', { result: 'rate-limited', status: 429, retryAfterSeconds: 3600, attempts: 1 }],
    ['/flaky/1/500/a', { result: 'delivered', status: 201, attempts: 2 }],
    ['/flaky/2/429/b?retry-after=0', { result: 'delivered', status: 201, attempts: 3 }],
    ['/reset', { result: 'failed', attempts: 3 }],
  ])('classifies %s', async (path, expected) => {
    const result = await sendNotification(sub(path), 'x', fast);
    expect(result).toMatchObject({ ...expected, endpoint: service.endpoint(path) });
  });

  it('does not retry when retries are off', async () => {
    const result = await sendNotification(sub('/status/500'), 'x', { ...fast, retry: false });
    expect(result).toMatchObject({ result: 'failed', attempts: 1 });
  });

  it('reports a refused connection as failed with the error code', async () => {
    const result = await sendNotification({ endpoint: 'http://127.0.0.1:1/x', keys: subscriptionKeys(ua) }, 'x', {
      ...fast,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    expect(result).toMatchObject({ result: 'failed', attempts: 2 });
    expect(result.result === 'failed' && result.reason).toMatch(/ECONNREFUSED/);
  });

  it('returns invalid for unusable subscriptions without sending', async () => {
    const before = service.requests.length;
    const bad = await sendNotification({ endpoint: 'ftp://x/y', keys: subscriptionKeys(ua) }, 'x', fast);
    expect(bad).toMatchObject({ result: 'invalid', code: 'invalid-endpoint', attempts: 0 });
    const badKeys = await sendNotification(
      { endpoint: service.endpoint('/status/201'), keys: { p256dh: 'AAAA', auth: subscriptionKeys(ua).auth } },
      'x',
      fast,
    );
    expect(badKeys).toMatchObject({ result: 'invalid', code: 'invalid-p256dh' });
    expect(service.requests.length).toBe(before);
  });

  it('throws typed errors for bad options and oversized payloads', async () => {
    await expect(sendNotification(sub('/status/201'), 'x', { topic: 'x'.repeat(33) })).rejects.toThrow(
      PushRequestError,
    );
    await expect(sendNotification(sub('/status/201'), 'x', { topic: 'a b' })).rejects.toMatchObject({
      code: 'invalid-topic',
    });
    await expect(sendNotification(sub('/status/201'), 'x', { ttl: -1 })).rejects.toMatchObject({ code: 'invalid-ttl' });
    await expect(
      sendNotification(sub('/status/201'), 'x', { urgency: 'urgent' as unknown as 'high' }),
    ).rejects.toMatchObject({ code: 'invalid-urgency' });
    await expect(sendNotification(sub('/status/201'), new Uint8Array(4000), fast)).rejects.toThrow(PushCryptoError);
  });
});

describe('over HTTPS', () => {
  it('uses HTTP/2 when the push service offers it, and trusts a given CA', async () => {
    const tls = selfSignedCertificate();
    const secure = await startFakePushService({ tls });
    const h2client = new PushHttpClient({ ca: tls.cert });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          sendNotification({ endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) }, 'x', {
            client: h2client,
          }),
        ),
      );
      expect(results.every((r) => r.result === 'delivered')).toBe(true);
      expect(new Set(secure.requests.map((r) => r.httpVersion))).toEqual(new Set(['2.0']));
      // From here on the origin is known to speak h2: requests go over our HTTP/2 connections.
      const over = (path: string) =>
        sendNotification({ endpoint: secure.endpoint(path), keys: subscriptionKeys(ua) }, 'x', {
          client: h2client,
          retry: { retries: 1, baseDelayMs: 1 },
        });
      expect(await over('/status/410?reason=gone')).toMatchObject({ result: 'expired', status: 410, reason: 'gone' });
      expect(await over('/status/429?retry-after=0')).toMatchObject({ result: 'rate-limited', attempts: 2 });
      expect(await over('/flaky/1/503/h2')).toMatchObject({ result: 'delivered', status: 201, attempts: 2 });
      expect(await over('/reset')).toMatchObject({ result: 'failed', attempts: 2 });
      // The session torn down by the reset is replaced.
      expect(await over('/status/201')).toMatchObject({ result: 'delivered', location: expect.any(String) });
      const body = defined(secure.requests.at(-1), 'last request');
      expect(body.httpVersion).toBe('2.0');
      expect(new TextDecoder().decode(await decrypt(body.body, ua))).toBe('x');
      const untrusted = await sendNotification(
        { endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) },
        'x',
        { retry: false, client },
      );
      expect(untrusted.result === 'failed' && untrusted.reason).toMatch(/certificate/i);
    } finally {
      await h2client.close();
      await secure.close();
    }
  });
});

describe('the ALPN probe of an HTTP/2 origin', () => {
  it('becomes the first connection: a first send to a new origin costs one connection and handshake, not two', async () => {
    const tls = selfSignedCertificate();
    const secure = await startFakePushService({ tls });
    const h2client = new PushHttpClient({ ca: tls.cert });
    try {
      for (let i = 0; i < 3; i++) {
        const result = await sendNotification(
          { endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) },
          'x',
          { client: h2client },
        );
        expect(result).toMatchObject({ result: 'delivered', status: 201 });
      }
      expect(secure.requests.map((r) => r.httpVersion)).toEqual(['2.0', '2.0', '2.0']);
      expect(secure.connections()).toBe(1);
    } finally {
      await h2client.close();
      await secure.close();
    }
  });
});

describe('an https origin whose protocol is not known yet', () => {
  it('goes over HTTP/1.1 when the push service offers only that', async () => {
    const tls = selfSignedCertificate();
    const secure = await startFakePushService({ tls, http1Only: true });
    const h1client = new PushHttpClient({ ca: tls.cert });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          sendNotification({ endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) }, 'x', {
            client: h1client,
          }),
        ),
      );
      expect(results.every((r) => r.result === 'delivered')).toBe(true);
      expect(secure.requests).toHaveLength(20);
      expect(new Set(secure.requests.map((r) => r.httpVersion))).toEqual(new Set(['1.1']));
      expect(await decrypt(secure.requests[0]?.body ?? new Uint8Array(), ua)).toEqual(new TextEncoder().encode('x'));
      const rejected = await sendNotification(
        { endpoint: secure.endpoint('/status/404?reason=unknown'), keys: subscriptionKeys(ua) },
        'x',
        { client: h1client },
      );
      expect(rejected).toMatchObject({ result: 'expired', status: 404, reason: 'unknown' });
    } finally {
      await h1client.close();
      await secure.close();
    }
  });

  it('retries a refused connection like any other network error', async () => {
    const result = await sendNotification({ endpoint: 'https://127.0.0.1:1/x', keys: subscriptionKeys(ua) }, 'x', {
      ...fast,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    expect(result).toMatchObject({ result: 'failed', attempts: 2 });
    expect(result.result === 'failed' && result.reason).toMatch(/ECONNREFUSED/);
  });

  it('stops waiting for a handshake that never ends when the send is aborted', async () => {
    // Accepts TCP connections and never answers the TLS handshake.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      controller.abort(new Error('gave up'));
    });
    const controller = new AbortController();
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    // The connect timeout is far beyond the test's own timeout: only the abort can end this send in time.
    const patient = new PushHttpClient({ connectTimeoutMs: 60_000 });
    try {
      const sent = sendNotification({ endpoint: `https://127.0.0.1:${port}/x`, keys: subscriptionKeys(ua) }, 'x', {
        client: patient,
        signal: controller.signal,
        retry: false,
      });
      await expect(sent).rejects.toThrow('gave up');
    } finally {
      for (const socket of sockets) socket.destroy();
      await patient.close();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('the shared client', () => {
  it('lets a script that sent a few messages over HTTP/2 exit by itself', async () => {
    const tls = selfSignedCertificate();
    const secure = await startFakePushService({ tls });
    const dir = mkdtempSync(join(tmpdir(), 'outpost-webpush-exit-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), tls.cert);
      const sub = { endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) };
      const senderModule = new URL('../src/sender.ts', import.meta.url).href;
      const script = `import { sendNotification } from ${JSON.stringify(senderModule)};
        for (let i = 0; i < 3; i++) console.log((await sendNotification(${JSON.stringify(sub)}, 'hi')).result);`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c;
      });
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expect(out.trim().split('\n')).toEqual(['delivered', 'delivered', 'delivered']);
      // The later requests went over HTTP/2 sessions, which must not have held the process open.
      expect(secure.requests.every((r) => r.httpVersion === '2.0')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await secure.close();
    }
    // An idle session held open would keep the child alive for the 30 s keep-alive: past this timeout.
  }, 25_000);

  it('settles close() on idle HTTP/2 sessions, so a script that awaits it at top level exits 0', async () => {
    const tls = selfSignedCertificate();
    const secure = await startFakePushService({ tls });
    const dir = mkdtempSync(join(tmpdir(), 'outpost-webpush-close-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), tls.cert);
      const sub = { endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) };
      const senderModule = new URL('../src/sender.ts', import.meta.url).href;
      const clientModule = new URL('../src/http-client.ts', import.meta.url).href;
      // The sessions are idle (so unref'd) when close() is called; a close that waited on them without holding
      // the process would leave the top-level await unsettled, which Node reports as exit code 13.
      const script = `import { sendNotification } from ${JSON.stringify(senderModule)};
        import { PushHttpClient } from ${JSON.stringify(clientModule)};
        const client = new PushHttpClient();
        for (let i = 0; i < 3; i++) console.log((await sendNotification(${JSON.stringify(sub)}, 'hi', { client })).result);
        await client.close();
        console.log('closed');`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c;
      });
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(out.trim().split('\n')).toEqual(['delivered', 'delivered', 'delivered', 'closed']);
      expect(code).toBe(0);
      expect(secure.requests.every((r) => r.httpVersion === '2.0')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await secure.close();
    }
  }, 25_000);
});
