import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt } from '../src/encrypt.js';
import { type FanOutOptions, type FanOutProgress, fanOut } from '../src/fanout.js';
import { PushHttpClient } from '../src/http-client.js';
import { generateUserAgentKeys, type PushSubscriptionJSON, subscriptionKeys, type UserAgentKeys } from '../src/keys.js';
import type { SendResult } from '../src/sender.js';
import { generateVapidKeys } from '../src/vapid.js';
import { verifyVapid } from '../src/vapid-verify.js';
import { defined } from './defined.js';
import { type FakePushService, startFakePushService } from './fake-push-service.js';

let service: FakePushService;
let ua: UserAgentKeys;
const client = new PushHttpClient();

beforeAll(async () => {
  service = await startFakePushService();
  ua = await generateUserAgentKeys();
});
afterAll(async () => {
  await client.close();
  await service.close();
});

function* mixed(n: number): Generator<PushSubscriptionJSON> {
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    if (kind === 7) yield { endpoint: service.endpoint(`/status/410/${i}`), keys: subscriptionKeys(ua) };
    else if (kind === 8) yield { endpoint: service.endpoint(`/status/201/${i}`), keys: { p256dh: 'bad', auth: 'bad' } };
    else if (kind === 9) yield { endpoint: service.endpoint(`/status/400/${i}`), keys: subscriptionKeys(ua) };
    else yield { endpoint: service.endpoint(`/status/201/${i}`), keys: subscriptionKeys(ua) };
  }
}

// The three ways to run: workers that encrypt and send; workers that encrypt while the calling thread sends
// through the caller's client; everything on the calling thread.
const modes: Array<[string, () => FanOutOptions]> = [
  ['send workers', () => ({ workers: 2 })],
  ['crypto workers and the caller’s client', () => ({ workers: 2, client })],
  ['the calling thread', () => ({ workers: 0, client })],
];

describe.each(modes)('fanOut with %s', (_name, mode) => {
  it('holds no subscription it has finished with, so memory stays flat however long the input', async () => {
    // A full collection on demand, without starting the test process with --expose-gc.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const read: WeakRef<PushSubscriptionJSON>[] = [];
    let stillHeld = -1;
    async function* stream(): AsyncGenerator<PushSubscriptionJSON> {
      for (let i = 0; i < 600; i++) {
        if (i === 500) {
          // A new macrotask, so no WeakRef target is kept alive for the current job, then a full collection.
          await new Promise((resolve) => setTimeout(resolve, 0));
          collect();
          stillHeld = read.slice(0, 400).filter((ref) => ref.deref() !== undefined).length;
        }
        const subscription = { endpoint: service.endpoint(`/status/201/flat-${i}`), keys: subscriptionKeys(ua) };
        read.push(new WeakRef(subscription));
        yield subscription;
      }
    }
    const concurrency = 8;
    const summary = await fanOut(stream(), 'x', { ...mode(), concurrency, ttl: 30, retry: false });
    expect(summary.delivered).toBe(600);
    // Of 400 subscriptions read long before the collection, at most what the design bounds memory by
    // (concurrency + readAhead, here 16) may still be reachable; a suspended lane can keep a stale one in its
    // frame. The leak this guards against held all 400.
    expect(stillHeld).toBeGreaterThanOrEqual(0); // -1 until the collection mid-stream has run
    expect(stillHeld).toBeLessThanOrEqual(concurrency * 2);
  });

  it('sends to every subscription of a stream and counts each result', async () => {
    const before = service.requests.length;
    const results: SendResult[] = [];
    const progress: FanOutProgress[] = [];
    async function* stream() {
      yield* mixed(300);
    }
    const summary = await fanOut(stream(), 'to everyone', {
      ...mode(),
      concurrency: 16,
      ttl: 30,
      retry: false,
      onResult: (r) => {
        results.push(r);
      },
      onProgress: (p) => progress.push(p),
    });
    expect(summary).toMatchObject({
      total: 300,
      delivered: 210,
      expired: 30,
      invalid: 30,
      rejected: 30,
      failed: 0,
      tooLarge: 0,
      rateLimited: 0,
    });
    expect(results).toHaveLength(300);
    expect(progress.at(-1)).toMatchObject({ finished: true, total: 300, inFlight: 0 });
    const sent = service.requests.slice(before);
    expect(sent).toHaveLength(270);
    for (const request of sent.slice(0, 20)) {
      expect(new TextDecoder().decode(await decrypt(request.body, ua))).toBe('to everyone');
      expect(request.headers.ttl).toBe('30');
    }
  });

  it('signs aesgcm messages with the legacy WebPush form and aes128gcm ones with vapid', async () => {
    const vapid = { keys: await generateVapidKeys(), subject: 'mailto:ops@example.com' };
    const subscriptions = (tag: string) =>
      Array.from({ length: 4 }, (_, i) => ({
        endpoint: service.endpoint(`/status/201/${tag}-${i}`),
        keys: subscriptionKeys(ua),
      }));
    const before = service.requests.length;
    const legacy = await fanOut(subscriptions('legacy'), 'old', { ...mode(), vapid, encoding: 'aesgcm', retry: false });
    expect(legacy.delivered).toBe(4);
    for (const request of service.requests.slice(before)) {
      const headers = request.headers as Record<string, string>;
      expect(headers.authorization).toMatch(/^WebPush /);
      expect(headers['crypto-key']).toMatch(/^dh=[\w-]+;p256ecdsa=[\w-]+$/);
      expect(new TextDecoder().decode(await decrypt(request.body, ua, { headers }))).toBe('old');
      const verified = await verifyVapid({
        authorization: headers.authorization,
        cryptoKey: headers['crypto-key'],
        audience: service.origin,
      });
      expect(verified.ok).toBe(true);
    }
    const middle = service.requests.length;
    await fanOut(subscriptions('modern'), 'new', { ...mode(), vapid, retry: false });
    for (const request of service.requests.slice(middle)) {
      expect(request.headers.authorization).toMatch(/^vapid t=/);
      expect(request.headers['crypto-key']).toBeUndefined();
    }
  });
});

describe('fanOut bounds', () => {
  let slow: http.Server;
  let origin: string;
  let active = 0;
  let maxActive = 0;

  beforeAll(async () => {
    // Holds each request until the next one arrives or 2 ms pass, so many are in flight together.
    slow = http.createServer((req, res) => {
      active++;
      maxActive = Math.max(maxActive, active);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          active--;
          res.writeHead(201).end();
        }, 2),
      );
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => slow.close(() => resolve())));

  it.each([
    [8, 0, 0],
    [8, 5, 0],
    [8, 0, 1],
    [8, 5, 1],
  ])(
    'with concurrency %i and readAhead %i (mode %i): never more requests in flight nor pulls further ahead',
    async (concurrency, readAhead, modeIndex) => {
      maxActive = 0;
      let pulled = 0;
      let finished = 0;
      let maxAhead = 0;
      const keys = subscriptionKeys(ua);
      async function* stream() {
        for (let i = 0; i < 400; i++) {
          pulled++;
          maxAhead = Math.max(maxAhead, pulled - finished);
          yield { endpoint: `${origin}/s/${i}`, keys };
        }
      }
      const summary = await fanOut(stream(), 'x', {
        ...defined(modes[modeIndex], `mode ${modeIndex}`)[1](),
        concurrency,
        readAhead,
        onResult: () => {
          finished++;
        },
      });
      expect(summary.delivered).toBe(400);
      expect(maxActive).toBeLessThanOrEqual(concurrency);
      expect(maxActive).toBeGreaterThan(1);
      expect(maxAhead).toBeLessThanOrEqual(concurrency + readAhead);
    },
  );

  it('stops and rethrows when onResult throws, and closes the stream', async () => {
    let closed = false;
    async function* stream() {
      try {
        for (let i = 0; ; i++) yield { endpoint: `${origin}/s/${i}`, keys: subscriptionKeys(ua) };
      } finally {
        closed = true;
      }
    }
    await expect(
      fanOut(stream(), 'x', {
        client,
        concurrency: 4,
        onResult: (r) => {
          if (r.endpoint.endsWith('/10')) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(closed).toBe(true);
  });

  it.each([0, 1])('stops when its signal aborts (mode %i)', async (modeIndex) => {
    const controller = new AbortController();
    let results = 0;
    async function* endless() {
      for (let i = 0; ; i++) yield { endpoint: `${origin}/s/${i}`, keys: subscriptionKeys(ua) };
    }
    await expect(
      fanOut(endless(), 'x', {
        ...defined(modes[modeIndex], `mode ${modeIndex}`)[1](),
        concurrency: 4,
        signal: controller.signal,
        onResult: () => {
          if (++results === 20) controller.abort();
        },
      }),
    ).rejects.toThrow(/abort/i);
  });

  it('stops even when the input is stuck waiting', async () => {
    let release: () => void = () => undefined;
    async function* stuck() {
      for (let i = 0; i < 3; i++) yield { endpoint: `${origin}/s/${i}`, keys: subscriptionKeys(ua) };
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }
    await expect(
      fanOut(stuck(), 'x', {
        client,
        concurrency: 2,
        onResult: () => {
          throw new Error('stop here');
        },
      }),
    ).rejects.toThrow('stop here');
    release();
  });

  it('validates its options before sending anything', async () => {
    await expect(fanOut([], 'x', { concurrency: 0 })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(fanOut([], new Uint8Array(5000))).rejects.toMatchObject({ code: 'payload-too-large' });
    await expect(fanOut([], 'x', { topic: '!' })).rejects.toMatchObject({ code: 'invalid-topic' });
  });
});
