import { generateVapidKeys, type PushSubscriptionJSON } from '@outpost/webpush';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VirtualUserAgent } from '../src/index.js';
import { defined } from './defined.js';
import { errorOf, push, signVapid, startService } from './helpers.js';

type Running = Awaited<ReturnType<typeof startService>>;

describe('push service (autopush integration cases)', () => {
  let s: Running;
  const agents: VirtualUserAgent[] = [];
  beforeEach(async () => {
    s = await startService({ storageLimit: 5, maxTtl: 3600, rateLimit: { perSecond: 1, burst: 50 } });
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await s.stop();
  });

  async function connect(state?: VirtualUserAgent extends infer _ ? ReturnType<VirtualUserAgent['state']> : never) {
    const ua = await VirtualUserAgent.connect(s.wsUrl, { state, timeoutMs: 5000 });
    agents.push(ua);
    return ua;
  }

  /** Reconnects as the same user agent and returns it after its stored messages have arrived. */
  async function reconnect(ua: VirtualUserAgent, autoAck = true) {
    const state = ua.state();
    await ua.close();
    const again = await VirtualUserAgent.connect(s.wsUrl, { state, autoAck, timeoutMs: 5000 });
    agents.push(again);
    await again.ping();
    return again;
  }

  async function offlineSubscription(): Promise<{ ua: VirtualUserAgent; sub: PushSubscriptionJSON }> {
    const ua = await connect();
    const sub = await ua.subscribe();
    const state = ua.state();
    await ua.close();
    return { ua: Object.assign(ua, { state: () => state }), sub };
  }

  it('hello issues a UAID and reuses it on reconnect; an unknown UAID gets a new one', async () => {
    const ua = await connect();
    expect(ua.uaid).toMatch(/^[0-9a-f]{32}$/);
    await ua.subscribe();
    const again = await reconnect(ua);
    expect(again.uaid).toBe(ua.uaid);
    const stranger = await VirtualUserAgent.connect(s.wsUrl, {
      state: { uaid: '0123456789abcdef0123456789abcdef', subscriptions: [] },
    });
    agents.push(stranger);
    expect(stranger.uaid).not.toBe('0123456789abcdef0123456789abcdef');
  });

  it('delivers an aes128gcm and an aesgcm message, answering 201 with Location and TTL', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const r = await push(sub, 'hello aes128gcm', { ttl: 60 });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toMatch(new RegExp(`^${s.url}/m/[A-Za-z0-9_-]{22}$`));
    expect(r.headers.get('ttl')).toBe('60');
    expect((await ua.nextMessage()).text).toBe('hello aes128gcm');
    expect((await push(sub, 'hello aesgcm', { encoding: 'aesgcm' })).status).toBe(201);
    const m = await ua.nextMessage();
    expect(m.text).toBe('hello aesgcm');
    expect(m.error).toBeUndefined();
  });

  it('lowers a TTL above the maximum and says so; refuses a missing or malformed TTL', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const r = await push(sub, 'x', { ttl: 999_999 });
    expect(r.status).toBe(201);
    expect(r.headers.get('ttl')).toBe('3600');
    const missing = await push(sub, 'x', { ttl: null });
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatchObject({ code: 400, errno: 111, message: expect.stringMatching(/TTL/) });
    expect((await push(sub, 'x', { ttl: 'soon' })).status).toBe(400);
  });

  it('issue 11 item 5: reports the remaining TTL to the user agent, not the original one nor 0', async () => {
    const { ua, sub } = await offlineSubscription();
    expect((await push(sub, 'counts down', { ttl: 600 })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 2100));
    const again = await reconnect(ua);
    const m = await again.nextMessage();
    expect(m.text).toBe('counts down');
    // Two seconds of the 600 went by in storage.
    expect(m.ttl).toBeGreaterThanOrEqual(590);
    expect(m.ttl).toBeLessThanOrEqual(598);
  });

  it('delivers stored messages in order on reconnect', async () => {
    const { ua, sub } = await offlineSubscription();
    for (const text of ['one', 'two', 'three']) expect((await push(sub, text)).status).toBe(201);
    const again = await reconnect(ua);
    const texts = [
      (await again.nextMessage()).text,
      (await again.nextMessage()).text,
      (await again.nextMessage()).text,
    ];
    expect(texts).toEqual(['one', 'two', 'three']);
  });

  it('topic: a newer message replaces an undelivered one with the same topic', async () => {
    const { ua, sub } = await offlineSubscription();
    expect((await push(sub, 'old', { topic: 'score' })).status).toBe(201);
    expect((await push(sub, 'other', { topic: 'weather' })).status).toBe(201);
    expect((await push(sub, 'new', { topic: 'score' })).status).toBe(201);
    const again = await reconnect(ua);
    expect(again.pending).toBe(2);
    expect([(await again.nextMessage()).text, (await again.nextMessage()).text]).toEqual(['other', 'new']);
  });

  it('refuses a Topic over 32 characters and a bad Urgency', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const r = await push(sub, 'x', { topic: 'a'.repeat(33) });
    expect(r.status).toBe(400);
    expect((await errorOf(r)).errno).toBe(113);
    expect((await push(sub, 'x', { urgency: 'asap' })).status).toBe(400);
    expect((await push(sub, 'x', { urgency: 'high' })).status).toBe(201);
  });

  it('does not redeliver after ack', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    await push(sub, 'once');
    expect((await ua.nextMessage()).text).toBe('once');
    await ua.ping(); // the ack is on the wire before the close
    await s.service.core.writer.drain();
    const again = await reconnect(ua);
    expect(again.pending).toBe(0);
  });

  it('redelivers without ack, the same version', async () => {
    const ua = await VirtualUserAgent.connect(s.wsUrl, { autoAck: false });
    agents.push(ua);
    const sub = await ua.subscribe();
    await push(sub, 'unacked');
    const first = await ua.nextMessage();
    const again = await reconnect(ua, false);
    const second = await again.nextMessage();
    expect(second.version).toBe(first.version);
    expect(second.text).toBe('unacked');
  });

  it('a nacked message stays stored and comes back on the next connection', async () => {
    const ua = await VirtualUserAgent.connect(s.wsUrl, { autoAck: false });
    agents.push(ua);
    const sub = await ua.subscribe();
    await push(sub, 'nacked');
    const first = await ua.nextMessage();
    ua.nack(first.version, 301);
    await ua.ping();
    const again = await reconnect(ua);
    expect((await again.nextMessage()).version).toBe(first.version);
  });

  it('TTL 0: delivered to a connected user agent, not stored for an offline one', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const r = await push(sub, 'now or never', { ttl: 0 });
    expect(r.status).toBe(201);
    expect(r.headers.get('ttl')).toBe('0');
    expect((await ua.nextMessage()).text).toBe('now or never');
    const state = ua.state();
    await ua.close();
    expect((await push(sub, 'dropped', { ttl: 0 })).status).toBe(201);
    const again = await VirtualUserAgent.connect(s.wsUrl, { state });
    agents.push(again);
    await again.ping();
    expect(again.pending).toBe(0);
  });

  it('expired messages are not delivered and are swept', async () => {
    const { ua, sub } = await offlineSubscription();
    expect((await push(sub, 'short-lived', { ttl: 1 })).status).toBe(201);
    expect((await push(sub, 'long-lived', { ttl: 600 })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1100));
    const swept = await s.service.core.store.sweepExpired(Date.now());
    expect(swept).toBe(1);
    const again = await reconnect(ua);
    expect(again.pending).toBe(1);
    expect((await again.nextMessage()).text).toBe('long-lived');
  });

  it('crypto headers only count with a body: an empty push with them is delivered without data', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const r = await push(sub, undefined, {
      headers: { 'Content-Encoding': 'aesgcm', Encryption: 'salt=abc', 'Crypto-Key': 'dh=def' },
    });
    expect(r.status).toBe(201);
    const m = await ua.nextMessage();
    expect(m.data).toBeUndefined();
    expect(m.error).toBeUndefined();
    const bad = await push(sub, 'x', { headers: { Encryption: 'salt=AAAAAAAAAAAAAAAAAAAAAA' } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/aes128gcm/);
  });

  it('accepts a 4096-byte message and refuses 4097 bytes with 413', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const text = 'x'.repeat(3993); // the largest payload whose aes128gcm body is 4096 bytes
    const r = await push(sub, text);
    expect(r.status).toBe(201);
    expect((await ua.nextMessage()).text).toBe(text);
    const body = new Uint8Array(4097);
    const tooBig = await push(sub, undefined, { body, headers: { 'Content-Encoding': 'aes128gcm' } });
    expect(tooBig.status).toBe(413);
    expect(await errorOf(tooBig)).toMatchObject({ code: 413, errno: 104 });
  });

  it('DELETE on the message URL cancels an undelivered message', async () => {
    const { ua, sub } = await offlineSubscription();
    const r = await push(sub, 'cancelled');
    const kept = await push(sub, 'kept');
    const del = await fetch(defined(r.headers.get('location'), 'Location header'), { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(kept.status).toBe(201);
    const again = await reconnect(ua);
    expect(again.pending).toBe(1);
    expect((await again.nextMessage()).text).toBe('kept');
    expect((await fetch(`${s.url}/m/not-a-message`, { method: 'DELETE' })).status).toBe(404);
  });

  it('a restricted subscription accepts only its own key, and requires VAPID', async () => {
    const keys = await generateVapidKeys();
    const other = await generateVapidKeys();
    const ua = await connect();
    const sub = await ua.subscribe({ applicationServerKey: keys.publicKey });
    const none = await push(sub, 'x');
    expect(none.status).toBe(401);
    expect((await errorOf(none)).errno).toBe(109);
    const wrong = await push(sub, 'x', { vapid: other });
    expect(wrong.status).toBe(403);
    expect((await errorOf(wrong)).message).toMatch(/applicationServerKey/);
    expect((await push(sub, 'right key', { vapid: keys })).status).toBe(201);
    expect((await ua.nextMessage()).text).toBe('right key');
  });

  it('refuses VAPID with exp too far ahead, a bad signature, or the wrong audience', async () => {
    const keys = await generateVapidKeys();
    const ua = await connect();
    const sub = await ua.subscribe({ applicationServerKey: keys.publicKey });
    const now = Math.floor(Date.now() / 1000);
    const aud = new URL(s.url).origin;
    const farExp = await push(sub, 'x', { authorization: signVapid(keys, { aud, exp: now + 48 * 3600 }) });
    expect(farExp.status).toBe(401);
    expect((await errorOf(farExp)).message).toMatch(/exp-too-far/);
    const expired = await push(sub, 'x', { authorization: signVapid(keys, { aud, exp: now - 10 }) });
    expect((await errorOf(expired)).message).toMatch(/expired/);
    const good = signVapid(keys, { aud, exp: now + 3600 });
    const tampered = good.replace(/t=([^.]+)\.([^.]+)\.(\w)/, (_m, h, p, c) => `t=${h}.${p}.${c === 'A' ? 'B' : 'A'}`);
    const badSig = await push(sub, 'x', { authorization: tampered });
    expect(badSig.status).toBe(401);
    expect((await errorOf(badSig)).message).toMatch(/signature/);
    const wrongAud = await push(sub, 'x', {
      authorization: signVapid(keys, { aud: 'https://elsewhere.example', exp: now + 3600 }),
    });
    expect((await errorOf(wrongAud)).message).toMatch(/aud/);
    expect((await push(sub, 'ok', { authorization: good })).status).toBe(201);
  });

  it('accepts legacy WebPush + Crypto-Key p256ecdsa VAPID', async () => {
    const keys = await generateVapidKeys();
    const ua = await connect();
    const sub = await ua.subscribe({ applicationServerKey: keys.publicKey });
    const aud = new URL(s.url).origin;
    const header = signVapid(keys, { aud, exp: Math.floor(Date.now() / 1000) + 3600 });
    const jwt = defined(header.match(/t=([^,]+)/)?.[1], 'VAPID t=');
    const r = await push(sub, 'legacy', {
      authorization: `WebPush ${jwt}`,
      headers: { 'Crypto-Key': `p256ecdsa=${keys.publicKey}` },
    });
    expect(r.status).toBe(201);
    expect((await ua.nextMessage()).text).toBe('legacy');
  });

  it('enforces the per-UAID storage limit with 429', async () => {
    const { ua, sub } = await offlineSubscription();
    for (let i = 0; i < 5; i++) expect((await push(sub, `m${i}`)).status).toBe(201);
    const full = await push(sub, 'one too many');
    expect(full.status).toBe(429);
    expect(await errorOf(full)).toMatchObject({ errno: 118 });
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    const again = await reconnect(ua);
    expect(again.pending).toBe(5);
  });

  it('rate-limits a subscription with 429 and Retry-After', async () => {
    const limited = await startService({ rateLimit: { perSecond: 0.5, burst: 2 } });
    try {
      const ua = await VirtualUserAgent.connect(limited.wsUrl);
      agents.push(ua);
      const sub = await ua.subscribe();
      expect((await push(sub, 'a')).status).toBe(201);
      expect((await push(sub, 'b')).status).toBe(201);
      const r = await push(sub, 'c');
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await errorOf(r)).errno).toBe(117);
      await ua.close();
    } finally {
      await limited.stop();
    }
  });

  it('404 for a forged or tampered endpoint, refused before any store access; 410 after unsubscribe', async () => {
    const ua = await connect();
    const sub = await ua.subscribe();
    const submit = vi.spyOn(s.service.core.writer, 'submitMessage');
    const token = defined(sub.endpoint.split('/').pop(), 'endpoint token');
    const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const tampered = await push({ ...sub, endpoint: sub.endpoint.replace(token, flipped) }, 'x');
    expect(tampered.status).toBe(404);
    expect(await errorOf(tampered)).toMatchObject({ errno: 102 });
    expect((await push({ ...sub, endpoint: `${s.url}/push/garbage` }, 'x')).status).toBe(404);
    expect(submit).not.toHaveBeenCalled();
    await ua.unsubscribe(sub.endpoint);
    const gone = await push(sub, 'x');
    expect(gone.status).toBe(410);
    expect(await errorOf(gone)).toMatchObject({ code: 410, errno: 106 });
  });

  it('serves /health', async () => {
    await connect();
    const r = await fetch(`${s.url}/health`);
    expect(await r.json()).toMatchObject({ status: 'ok', connections: 1 });
  });
});
