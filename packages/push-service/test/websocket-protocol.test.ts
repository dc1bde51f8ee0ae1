import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PUSH_SUBPROTOCOL, VirtualUserAgent } from '../src/index.js';
import { defined } from './defined.js';
import { push, startService } from './helpers.js';

type Running = Awaited<ReturnType<typeof startService>>;

/** Opens a raw connection and collects what the server sends until it closes. */
async function raw(url: string): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(url, PUSH_SUBPROTOCOL);
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, frames, closed };
}

describe('WebSocket protocol robustness', () => {
  let s: Running;
  let bystander: VirtualUserAgent;
  let bystanderSub: Awaited<ReturnType<VirtualUserAgent['subscribe']>>;
  beforeAll(async () => {
    s = await startService({ maxFrameBytes: 16 * 1024 });
    bystander = await VirtualUserAgent.connect(s.wsUrl);
    bystanderSub = await bystander.subscribe();
  });
  afterAll(async () => {
    await bystander.close();
    await s.stop();
  });

  async function bystanderStillServed(text: string) {
    expect((await push(bystanderSub, text)).status).toBe(201);
    expect((await bystander.nextMessage()).text).toBe(text);
  }

  it('negotiates the push-notification subprotocol', async () => {
    const c = await raw(s.wsUrl);
    expect(c.ws.protocol).toBe('push-notification');
    c.ws.close();
  });

  it('answers the {} keep-alive ping after hello', async () => {
    const c = await raw(s.wsUrl);
    c.ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true, broadcasts: {} }));
    await new Promise((r) => c.ws.once('message', r));
    c.frames.length = 0;
    c.ws.send('{}');
    await new Promise((r) => c.ws.once('message', r));
    expect(c.frames).toEqual(['{}']);
    c.ws.close();
  });

  it('closes with 1002 and a reason on malformed JSON, unknown types, binary frames, and register before hello', async () => {
    for (const frame of ['{not json', '{"messageType":"teleport"}', '"hello"', Buffer.from([1, 2, 3])]) {
      const c = await raw(s.wsUrl);
      c.ws.send(frame);
      expect(await c.closed).toBe(1002);
    }
    const early = await raw(s.wsUrl);
    early.ws.send(JSON.stringify({ messageType: 'register', channelID: '9f0a8d4e-2b1c-4c3d-8e5f-0a1b2c3d4e5f' }));
    expect(await early.closed).toBe(1002);
    await bystanderStillServed('after garbage');
  });

  it('a register with a bad key gets a 400 register reply and the connection stays open', async () => {
    const ua = await VirtualUserAgent.connect(s.wsUrl);
    await expect(ua.subscribe({ applicationServerKey: new Uint8Array(10) })).rejects.toThrow(/400/);
    await ua.subscribe(); // still usable
    await ua.close();
  });

  it('closes a connection that sends a huge frame (1009), others unaffected', async () => {
    const c = await raw(s.wsUrl);
    c.ws.send(JSON.stringify({ messageType: 'hello', pad: 'x'.repeat(100_000) }));
    expect(await c.closed).toBe(1009);
    await bystanderStillServed('after a huge frame');
  });

  it('a duplicate hello closes the connection', async () => {
    const c = await raw(s.wsUrl);
    c.ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true }));
    c.ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true }));
    expect(await c.closed).toBe(1002);
  });

  it('survives arbitrary frames (property): the server keeps serving others', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 200 }),
            fc.json(),
            fc.constantFrom('{"messageType":"hello","use_webpush":true}', '{"messageType":"ack","updates":[{}]}'),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        async (frames) => {
          const c = await raw(s.wsUrl);
          for (const f of frames) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(f);
          c.ws.send('{}');
          c.ws.close();
          await c.closed;
        },
      ),
      { numRuns: 60 },
    );
    await bystanderStillServed('after fuzzing');
  });

  it('a second connection with the same UAID replaces the first (close 4000)', async () => {
    const ua = await VirtualUserAgent.connect(s.wsUrl);
    await ua.subscribe();
    const twin = await VirtualUserAgent.connect(s.wsUrl, { state: ua.state() });
    expect((await ua.closed).code).toBe(4000);
    await twin.close();
  });
});

describe('graceful shutdown', () => {
  it('sends close frames (1001) to user agents and keeps every accepted message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-push-shutdown-'));
    const db = join(dir, 'push.db');
    const first = await startService({ db });
    const ua = await VirtualUserAgent.connect(first.wsUrl, { autoAck: false });
    const sub = await ua.subscribe();
    const state = ua.state();
    // Close while the POSTs are in flight: each either completes with 201 (then it is stored) or fails.
    const posts = Array.from({ length: 20 }, (_, i) => push(sub, `m${i}`).catch(() => undefined));
    const closing = first.stop();
    expect((await ua.closed).code).toBe(1001);
    await closing;
    const accepted = (await Promise.all(posts)).filter((r) => r?.status === 201).length;

    const second = await startService({ db });
    const again = await VirtualUserAgent.connect(second.wsUrl, { state });
    await again.ping();
    const texts = new Set<string>();
    for (let i = 0; i < accepted; i++) texts.add(defined((await again.nextMessage()).text, `message ${i}`));
    expect(texts.size).toBe(accepted);
    await again.close();
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('createPushService options', () => {
  it('refuses options that would only fail at the first request', async () => {
    const { createPushService } = await import('../src/index.js');
    const base = { db: ':memory:', secrets: ['test secret of sufficient length'], port: 0 };
    await expect(createPushService({ ...base, publicUrl: 'push.example' })).rejects.toThrow(/publicUrl/);
    await expect(createPushService({ ...base, storageLimit: 0 })).rejects.toThrow(/storageLimit/);
    await expect(createPushService({ ...base, rateLimit: { perSecond: 0, burst: 1 } })).rejects.toThrow(/rateLimit/);
    await expect(createPushService({ ...base, secrets: ['short'] })).rejects.toThrow(/16 bytes/);
  });
});
