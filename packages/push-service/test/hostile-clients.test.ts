// Issue 12, items 1–8: the push service under hostile clients. Each test is named after its item.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateVapidKeys, type PushSubscriptionJSON } from '@outpost/webpush';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PUSH_SUBPROTOCOL, type PushServiceOptions, redactUrl, VirtualUserAgent } from '../src/index.js';
import { type ChildService, freePort, spawnService } from './child-service.js';
import { push, startService } from './helpers.js';
import {
  clientFrame,
  eventually,
  floodWithoutReading,
  health,
  loopbackAddresses,
  nonReadingSocket,
  openSilentSockets,
  registerFlood,
  rssBytes,
  slowloris,
  upgradeStatus,
} from './hostile-probes.js';

type Running = Awaited<ReturnType<typeof startService>>;
const running: Running[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(options: Partial<PushServiceOptions> = {}): Promise<Running> {
  const s = await startService(options);
  running.push(s);
  return s;
}

/** A raw protocol session: send a message, wait for the reply of a type. */
async function rawSession(wsUrl: string) {
  const ws = new WebSocket(wsUrl, PUSH_SUBPROTOCOL);
  const frames: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.type === m.messageType);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(m);
    else frames.push(m);
  });
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  cleanups.push(() => ws.terminate());
  return {
    ws,
    frames,
    closed,
    request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
      return new Promise((resolve) => {
        waiters.push({ type: String(message.messageType), resolve });
        ws.send(JSON.stringify(message));
      });
    },
  };
}

const hello = { messageType: 'hello', use_webpush: true, broadcasts: {} };

describe('issue 12 items 1–2 against a running service (child process)', () => {
  let child: ChildService | undefined;
  let dir = '';
  afterEach(async () => {
    await child?.kill9();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('items 1–2: a non-reading flooding client and 1,000 silent sockets: bounded RSS growth, every socket closed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-hostile-'));
    child = await spawnService(join(dir, 'push.db'), await freePort(), undefined, {
      connectionLimits: { helloTimeoutMs: 1500, pingIntervalMs: 1000, pongTimeoutMs: 1000 },
    });
    const pid = child.process.pid ?? 0;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 50);
    try {
      // 1,000 silent sockets from 8 loopback addresses (125 each, under the per-address cap) ...
      const silent = await openSilentSockets(child.wsUrl, 1000, loopbackAddresses(8));
      // ... a client that says hello and then neither reads nor sends ...
      const quiet = await nonReadingSocket(child.wsUrl);
      cleanups.push(() => void quiet.destroy());
      quiet.write(clientFrame(JSON.stringify(hello)));
      // ... and one that says hello, stops reading and floods pings.
      const flood = await floodWithoutReading(child.wsUrl, 3000);
      cleanups.push(() => void flood.socket.destroy());
      const closes = await Promise.all(silent.map((s) => s.closed));
      expect(closes.every((c) => c.code === 1008)).toBe(true);
      expect(Math.max(...closes.map((c) => c.afterMs))).toBeLessThan(8000);
      // Nothing is left open: the flooder was closed for its pings, the quiet one after its unanswered ping.
      const url = child.url;
      expect(await eventually(async () => (await health(url)).sockets === 0, 8000)).toBe(true);
      expect((await health(child.url)).closed).toMatchObject({ helloTimeout: 1000, deadAfterPing: 1, pingFlood: 1 });
    } finally {
      clearInterval(sampler);
    }
    // Today's service grew by more than 100 MB in such a run; 1,000 idle sockets cost a few MB.
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});

describe('issue 12: push service under hostile clients', () => {
  it('item 1: answers nothing before hello (a ping before hello closes 1002); after hello a ping is answered', async () => {
    const s = await start();
    const before = await rawSession(s.wsUrl);
    before.ws.send('{}');
    expect(await before.closed).toBe(1002);
    expect(before.frames).toEqual([]);
    const after = await rawSession(s.wsUrl);
    await after.request(hello);
    after.ws.send('{}');
    await eventually(() => after.frames.length > 0, 2000);
    expect(after.frames).toEqual([{}]);
  });

  it('item 1: a client that does not read its notifications is closed once its outgoing buffer passes the limit', async () => {
    const s = await start({
      rateLimit: { perSecond: 1e6, burst: 1e6 },
      connectionLimits: { maxBufferedBytes: 256 * 1024, pauseReadingBytes: 16 * 1024 },
    });
    const ua = await VirtualUserAgent.connect(s.wsUrl);
    const sub = await ua.subscribe();
    const state = ua.state();
    await ua.close();
    // Comes back as the same user agent, but never reads what it is sent.
    const socket = await nonReadingSocket(s.wsUrl);
    cleanups.push(() => void socket.destroy());
    socket.write(clientFrame(JSON.stringify({ ...hello, uaid: state.uaid })));
    await eventually(async () => (await health(s.url)).connections === 1, 2000);
    // TTL 0 messages go out at once, outside the window of unacknowledged stored ones: only the buffer limit holds.
    const big = 'x'.repeat(3900);
    let sent = 0;
    while ((await health(s.url)).closed.bufferFull === 0 && sent < 3000) {
      await Promise.all(Array.from({ length: 50 }, () => push(sub, big, { ttl: 0 })));
      sent += 50;
    }
    expect((await health(s.url)).closed.bufferFull).toBe(1);
    expect(await eventually(async () => (await health(s.url)).sockets === 0, 2000)).toBe(true);
  });

  it('item 2: sockets that never say hello are closed after helloTimeoutMs, and /health counts them meanwhile', async () => {
    const s = await start({ connectionLimits: { helloTimeoutMs: 600 } });
    const silent = await openSilentSockets(s.wsUrl, 20, ['127.0.0.1']);
    const ua = await VirtualUserAgent.connect(s.wsUrl);
    cleanups.push(() => ua.close());
    expect(await health(s.url)).toMatchObject({ connections: 1, sockets: 21 });
    const closes = await Promise.all(silent.map((x) => x.closed));
    expect(closes.every((c) => c.code === 1008 && c.afterMs >= 500 && c.afterMs < 3000)).toBe(true);
    expect(await health(s.url)).toMatchObject({ connections: 1, sockets: 1 });
  });

  it('item 2: an idle session is pinged; one that answers stays, a dead one is dropped', async () => {
    const s = await start({ connectionLimits: { pingIntervalMs: 300, pongTimeoutMs: 300 } });
    // `ws` answers pings by itself, as Firefox does.
    const alive = await VirtualUserAgent.connect(s.wsUrl);
    cleanups.push(() => alive.close());
    const dead = await nonReadingSocket(s.wsUrl);
    cleanups.push(() => void dead.destroy());
    dead.write(clientFrame(JSON.stringify(hello)));
    expect(await eventually(async () => (await health(s.url)).closed.deadAfterPing === 1, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await health(s.url)).toMatchObject({ connections: 1, sockets: 1 });
    await alive.ping();
  });

  it('item 2: caps WebSockets per source address with 503; other addresses are unaffected', async () => {
    const s = await start({ connectionLimits: { maxConnectionsPerAddress: 5 } });
    const held = await openSilentSockets(s.wsUrl, 5, ['127.0.0.2']);
    cleanups.push(() => {
      for (const h of held) h.ws.terminate();
    });
    expect(await upgradeStatus(s.wsUrl, '127.0.0.2')).toBe(503);
    expect(await upgradeStatus(s.wsUrl, '127.0.0.3')).toBe(101);
    expect((await health(s.url)).closed.refusedPerAddress).toBe(1);
    held[0]?.ws.close();
    await held[0]?.closed;
    expect(await eventually(async () => (await upgradeStatus(s.wsUrl, '127.0.0.2')) === 101, 2000)).toBe(true);
  });

  it('item 3: an anonymous hello leaves no UAID row; a user agent with subscriptions keeps its UAID on reconnect', async () => {
    const s = await start();
    for (let i = 0; i < 20; i++) {
      const ua = await VirtualUserAgent.connect(s.wsUrl);
      await ua.close();
    }
    expect(await s.service.core.store.uaidCount()).toBe(0);
    const ua = await VirtualUserAgent.connect(s.wsUrl);
    const sub = await ua.subscribe();
    expect(await s.service.core.store.uaidCount()).toBe(1);
    const state = ua.state();
    await ua.close();
    // Firefox sends its UAID once it has subscriptions and must get the same one back.
    const again = await VirtualUserAgent.connect(s.wsUrl, { state });
    cleanups.push(() => again.close());
    expect(again.uaid).toBe(state.uaid);
    expect((await push(sub, 'still here')).status).toBe(201);
    expect((await again.nextMessage()).text).toBe('still here');
  });

  it('item 4: a register past maxChannelsPerUaid gets status 413; a register burst past the rate gets 429', async () => {
    const s = await start({ connectionLimits: { maxChannelsPerUaid: 3 } });
    const c = await rawSession(s.wsUrl);
    await c.request(hello);
    const statuses: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await c.request({ messageType: 'register', channelID: randomUUID() })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 413]);
    const refused = await c.request({ messageType: 'register', channelID: randomUUID() });
    expect(refused.reason).toMatch(/3 subscriptions/);

    const r = await start({ connectionLimits: { registerRate: { perSecond: 1, burst: 10 } } });
    const counts = await registerFlood(r.wsUrl, 50);
    expect(counts.get(200)).toBeGreaterThanOrEqual(10);
    expect(counts.get(200)).toBeLessThan(15);
    expect(counts.get(429)).toBe(50 - (counts.get(200) ?? 0));
  });

  it('item 5: after unregister, a re-register with another key (or none) makes the old endpoints 410', async () => {
    const s = await start();
    const c = await rawSession(s.wsUrl);
    await c.request(hello);
    const channelID = randomUUID();
    const padded = (key: string) => key + '='.repeat((4 - (key.length % 4)) % 4);
    const oldKey = await generateVapidKeys();
    const newKey = await generateVapidKeys();
    const endpoint = async (key?: string) => {
      const message: Record<string, unknown> = { messageType: 'register', channelID };
      if (key) message.key = padded(key);
      const reply = await c.request(message);
      expect(reply.status).toBe(200);
      return String(reply.pushEndpoint);
    };
    const sub = (e: string): PushSubscriptionJSON => ({ endpoint: e, keys: { p256dh: '', auth: '' } });
    const unrestricted = await endpoint();
    await c.request({ messageType: 'unregister', channelID, code: 200 });
    const restrictedOld = await endpoint(oldKey.publicKey);
    await c.request({ messageType: 'unregister', channelID, code: 200 });
    const restrictedNew = await endpoint(newKey.publicKey);
    expect((await push(sub(unrestricted), undefined)).status).toBe(410);
    expect((await push(sub(restrictedOld), undefined, { vapid: oldKey })).status).toBe(410);
    expect((await push(sub(restrictedNew), undefined, { vapid: newKey })).status).toBe(201);
  });

  it("item 6: one subscription's burst stops at its share; the user agent's other subscriptions still get theirs", async () => {
    const s = await start({ storageLimit: 10 });
    const ua = await VirtualUserAgent.connect(s.wsUrl);
    const noisy = await ua.subscribe();
    const quiet = await ua.subscribe();
    await ua.close();
    const burst = [];
    for (let i = 0; i < 9; i++) burst.push((await push(noisy, `n${i}`)).status);
    expect(burst).toEqual([...Array(5).fill(201), ...Array(4).fill(429)]);
    const refused = await push(noisy, 'one too many');
    expect(refused.status).toBe(429);
    expect((await refused.json()) as { message: string }).toMatchObject({
      message: expect.stringMatching(/share \(5\)/),
    });
    for (let i = 0; i < 5; i++) expect((await push(quiet, `q${i}`)).status).toBe(201);
    expect((await push(quiet, 'over the user agent limit')).status).toBe(429);
  });

  it('item 7: no log line carries a UAID or an endpoint token in full, at any level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const s = await start({ logger: pino({ level: 'trace' }, sink), connectionLimits: { pingIntervalMs: 200 } });
    const ua = await VirtualUserAgent.connect(s.wsUrl, { autoAck: false });
    const sub = await ua.subscribe();
    expect((await push(sub, 'logged?')).status).toBe(201);
    const m = await ua.nextMessage();
    ua.nack(m.version);
    const token = sub.endpoint.split('/').pop() ?? '';
    // A refused push and a protocol error (both logged) ...
    await push({ ...sub, endpoint: `${s.url}/push/${token.slice(0, -4)}AAAA` }, 'tampered');
    ua.sendRaw('{"messageType":"teleport"}');
    await ua.closed;
    // ... and a request that fails inside the service (logged with its URL).
    const original = s.service.core.accept.bind(s.service.core);
    s.service.core.accept = () => Promise.reject(new Error('disk on fire'));
    expect((await push(sub, 'x')).status).toBe(500);
    s.service.core.accept = original;
    const log = lines.join('');
    expect(log).toContain('protocol error');
    expect(log).toContain('request failed');
    expect(log).not.toContain(ua.uaid);
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(0, 20));
    expect(redactUrl(`/push/${token}`)).toBe(`/push/${token.slice(0, 6)}…`);
  });

  it('item 8: HTTP requests whose headers or body never finish are closed by the timeouts', async () => {
    const s = await start({ httpTimeouts: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
    const headers = await slowloris(s.url, 20, 5000);
    expect(Math.max(...headers)).toBeLessThan(3000);
    // Headers complete, body never does.
    const { hostname, port } = new URL(s.url);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on('error', () => {});
    cleanups.push(() => void socket.destroy());
    const opened = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
    socket.write(`POST /push/x HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 100\r\nTTL: 60\r\n\r\n0123456789`);
    socket.resume();
    expect(
      await Promise.race([closed, new Promise((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 5000))]),
    ).toBeLessThan(4000);
  });
});
