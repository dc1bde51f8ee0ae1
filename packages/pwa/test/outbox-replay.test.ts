import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { promised } from '../src/indexeddb.web.js';
import type { OutboxItem } from '../src/outbox/item.js';
import { openReplayStore, type StoredItem } from '../src/outbox/outbox-database.web.js';
import { OutboxStore } from '../src/outbox/page-store.web.js';
import { type QueueLocks, type ReplayOptions, type ReplayResult, replayQueue } from '../src/outbox/replay-queue.web.js';
import { idempotencyKeyHeaderValue } from '../src/outbox/request-headers.js';
import { assertCancellable, createItem, OutboxActionError, resumeAfterSignIn } from '../src/outbox/transitions.js';

const FAST: ReplayOptions = { backoff: { baseMs: 5, maxMs: 20 }, maxInlineWaitMs: 1000, requestTimeoutMs: 2000 };

/** A server that applies each Idempotency-Key once and replays it afterwards, like @outpost/server's plugin. */
class FakeServer {
  readonly effects: string[] = [];
  readonly seenKeys: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #stored = new Map<string, string>();
  /** Answers the next calls with these statuses (then 201s). */
  script: { status: number; headers?: Record<string, string>; body?: string }[] = [];
  delayMs = 0;

  readonly fetch = async (request: Request): Promise<Response> => {
    const key = request.headers.get('idempotency-key') ?? '';
    this.seenKeys.push(key);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const body = await request.text();
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const scripted = this.script.shift();
      if (scripted) {
        return new Response(scripted.body ?? '', { status: scripted.status, headers: scripted.headers });
      }
      const stored = this.#stored.get(key);
      if (stored) return new Response(stored, { status: 201, headers: { 'idempotent-replayed': 'true' } });
      this.effects.push(body);
      const answer = JSON.stringify({ id: this.effects.length });
      this.#stored.set(key, answer);
      return new Response(answer, { status: 201, headers: { 'content-type': 'application/json' } });
    } finally {
      this.inFlight--;
    }
  };
}

let dbCounter = 0;
const stores: OutboxStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

async function openStores(count = 1): Promise<OutboxStore[]> {
  const name = `outbox-test-${++dbCounter}`;
  const opened: OutboxStore[] = [];
  for (let i = 0; i < count; i++) opened.push(await OutboxStore.open(name));
  stores.push(...opened);
  return opened;
}

function newItem(n: number, queue = 'mail'): OutboxItem {
  const key = `key-${n}`;
  return createItem({
    id: `item-${n}`,
    idempotencyKey: key,
    queue,
    label: { n },
    now: Date.now(),
    request: {
      url: 'http://localhost/api/mail',
      method: 'POST',
      headers: [
        ['content-type', 'application/json'],
        ['idempotency-key', idempotencyKeyHeaderValue(key)],
      ],
      body: JSON.stringify({ n }),
    },
  });
}

async function enqueue(store: OutboxStore, count: number, queue = 'mail'): Promise<void> {
  for (let n = 1; n <= count; n++) await store.add(newItem(n, queue));
}

describe('OutboxStore', () => {
  it('keeps enqueue order per queue and tells other contexts of every change', async () => {
    const [page, worker] = (await openStores(2)) as [OutboxStore, OutboxStore];
    const heard: string[] = [];
    worker.subscribe((change) => heard.push(`${change.queue}/${change.id}`));
    await page.add(newItem(1));
    await page.add(newItem(2, 'chat'));
    await page.add(newItem(3));
    expect((await worker.list('mail')).map((item) => item.id)).toEqual(['item-1', 'item-3']);
    await expect.poll(() => heard).toEqual(['mail/item-1', 'chat/item-2', 'mail/item-3']);
  });

  it('removes only items that are not being sent', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    await enqueue(store, 2);
    await store.claimNext('mail', 'me', Date.now(), { leaseMs: 60_000, retentionMs: 1e9 });
    const check = (item: OutboxItem) => assertCancellable(item, Date.now());
    await expect(store.remove('item-1', check)).rejects.toThrow(OutboxActionError);
    expect(await store.remove('item-2', check)).toBe(true);
    expect(await store.remove('item-2', check)).toBe(false);
    expect((await store.list('mail')).map((item) => item.state)).toEqual(['sending']);
  });
});

describe('replayQueue', () => {
  it('sends every item once, in order, with the key made at enqueue', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    await enqueue(store, 5);
    const result = await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: server.fetch });
    expect(result).toEqual({ sent: 5, attempts: 5, ended: 'idle', nextAttemptAt: null });
    expect(server.effects).toEqual([1, 2, 3, 4, 5].map((n) => JSON.stringify({ n })));
    expect(server.seenKeys).toEqual([1, 2, 3, 4, 5].map((n) => `"key-${n}"`));
    const items = await store.list('mail');
    expect(items.every((item) => item.state === 'sent' && item.attempts === 1)).toBe(true);
    expect(items[0]?.response).toBe('{"id":1}');
  });

  it('retries a 503 with backoff and the same key, then marks it sent', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    server.script = [{ status: 503, headers: { 'retry-after': '0' } }, { status: 502 }];
    await enqueue(store, 2);
    const result = await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: server.fetch });
    expect(result).toMatchObject({ sent: 2, attempts: 4, ended: 'idle' });
    expect(server.seenKeys).toEqual(['"key-1"', '"key-1"', '"key-1"', '"key-2"']);
    expect((await store.get('item-1'))?.attempts).toBe(3);
    expect(server.effects).toHaveLength(2);
  });

  it('counts a stored-response replay as sent: a reset after the server acted creates no duplicate', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    let resets = 1;
    const fetchWithReset = async (request: Request) => {
      const response = await server.fetch(request);
      if (resets-- > 0) throw new TypeError('connection reset after the server processed the request');
      return response;
    };
    await enqueue(store, 1);
    await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: fetchWithReset });
    expect(server.effects).toHaveLength(1);
    expect(server.seenKeys).toEqual(['"key-1"', '"key-1"']);
    expect(await store.get('item-1')).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('stops at a head that backs off longer than it may wait, keeping the order', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    server.script = [{ status: 429, headers: { 'retry-after': '3600' } }];
    await enqueue(store, 3);
    const before = Date.now();
    const result = await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: server.fetch });
    expect(result.ended).toBe('waiting');
    expect(result.nextAttemptAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect((await store.list('mail')).map((item) => item.state)).toEqual(['pending', 'pending', 'pending']);
    expect(server.seenKeys).toEqual(['"key-1"']);
  });

  it('parks 401 items until sign-in and fails other 4xx with the reason, without blocking the rest', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    server.script = [
      { status: 401, body: '{"message":"sign in required"}', headers: { 'content-type': 'application/json' } },
      { status: 422, body: '{"message":"no such recipient: zed"}', headers: { 'content-type': 'application/json' } },
    ];
    await enqueue(store, 3);
    await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: server.fetch });
    const items = await store.list('mail');
    expect(items.map((item) => [item.state, item.reason])).toEqual([
      ['needs-sign-in', 'sign in required'],
      ['failed', 'no such recipient: zed'],
      ['sent', null],
    ]);
    expect(await store.updateAll('mail', (item) => resumeAfterSignIn(item, Date.now()))).toBe(1);
    await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: server.fetch });
    expect((await store.get('item-1'))?.state).toBe('sent');
    expect(server.effects).toHaveLength(2);
  });

  it('records a server answer unworded, which the page reads in words, as it reads items stored in words', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    server.script = [
      { status: 503, body: 'down for maintenance', headers: { 'content-type': 'text/plain', 'retry-after': '3600' } },
    ];
    await enqueue(store, 1);
    await store.add({ ...newItem(2), state: 'failed', reason: 'no such recipient: zed', lastError: 'HTTP 503: x' });
    await replayQueue(store, 'mail', 'sw', { ...FAST, maxInlineWaitMs: 0, fetch: server.fetch });
    const raw = await openReplayStore(`outbox-test-${dbCounter}`);
    const row: StoredItem = await promised(raw.db.transaction('items').objectStore('items').index('id').get('item-1'));
    raw.close();
    expect(row.lastError).toEqual({
      status: 503,
      contentType: 'text/plain',
      body: 'down for maintenance',
      retryAfter: '3600',
    });
    expect((await store.list('mail')).map((item) => [item.state, item.lastError, item.reason])).toEqual([
      ['pending', 'HTTP 503: down for maintenance', null],
      ['failed', 'HTTP 503: x', 'no such recipient: zed'],
    ]);
  });

  it('treats a network failure as retryable and records the error', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    await enqueue(store, 1);
    const offline = async () => {
      throw new TypeError('Failed to fetch');
    };
    const result = await replayQueue(store, 'mail', 'sw', { ...FAST, maxInlineWaitMs: 0, fetch: offline });
    expect(result.ended).toBe('waiting');
    expect(await store.get('item-1')).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'TypeError: Failed to fetch',
    });
  });

  it('never lets two replayers (two contexts) send the same item at once, and sends each exactly once', async () => {
    const [page, worker] = (await openStores(2)) as [OutboxStore, OutboxStore];
    const server = new FakeServer();
    server.delayMs = 3;
    await enqueue(page, 20);
    const options = { ...FAST, fetch: server.fetch };
    const results = await Promise.all([
      replayQueue(page, 'mail', 'page', options),
      replayQueue(worker, 'mail', 'sw', options),
      replayQueue(worker, 'mail', 'sw-2', options),
    ]);
    expect(server.maxInFlight).toBe(1);
    expect(server.effects).toHaveLength(20);
    expect(new Set(server.seenKeys).size).toBe(20);
    expect(results.reduce((sum, result) => sum + result.sent, 0)).toBe(20);
    expect(server.effects).toEqual(Array.from({ length: 20 }, (_, i) => JSON.stringify({ n: i + 1 })));
  });

  it('takes over an item whose replayer died mid-request once its lease ran out, with the same key', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    await enqueue(store, 2);
    // A worker claims item 1 and is stopped before it records anything.
    await store.claimNext('mail', 'dead-sw', Date.now(), { leaseMs: 50, retentionMs: 1e9 });
    const result = await replayQueue(store, 'mail', 'new-sw', { ...FAST, fetch: server.fetch });
    expect(result).toMatchObject({ sent: 2, ended: 'idle' });
    expect(await store.get('item-1')).toMatchObject({ state: 'sent', attempts: 2 });
    expect(server.seenKeys).toEqual(['"key-1"', '"key-2"']);
  });

  it('turns items older than the retention limit into failed ones, including those waiting for sign-in', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    await enqueue(store, 3);
    await store.update('item-2', (item) => ({ ...item, state: 'needs-sign-in' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.add(newItem(4));
    const result = await replayQueue(store, 'mail', 'sw', { ...FAST, retentionMs: 15, fetch: server.fetch });
    expect(result.sent).toBe(1);
    const items = await store.list('mail');
    expect(items.map((item) => item.state)).toEqual(['failed', 'failed', 'failed', 'sent']);
    expect(items[0]?.reason).toMatch(/^not sent within 15 ms/);
  });

  it('removes sent items after keepSentMs', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    await enqueue(store, 2);
    await replayQueue(store, 'mail', 'sw', { ...FAST, fetch: server.fetch });
    await store.sweep('mail', Date.now() + 10, 1e9, 5);
    expect(await store.list('mail')).toEqual([]);
  });
});

describe('replayQueue after reconnection', () => {
  it('sends an item that backs off after network failures at once, and only waives the first claim', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    await enqueue(store, 1);
    const offline = async () => {
      throw new TypeError('Failed to fetch');
    };
    const slow = { ...FAST, backoff: { baseMs: 3_600_000 }, maxInlineWaitMs: 0 };
    await replayQueue(store, 'mail', 'sw', { ...slow, fetch: offline });
    expect((await replayQueue(store, 'mail', 'sw', { ...slow, fetch: server.fetch })).ended).toBe('waiting');
    const again = await replayQueue(store, 'mail', 'sw', { ...slow, reconnected: true, fetch: offline });
    expect(again).toMatchObject({ attempts: 1, ended: 'waiting' });
    const result = await replayQueue(store, 'mail', 'sw', { ...slow, reconnected: true, fetch: server.fetch });
    expect(result).toMatchObject({ sent: 1, attempts: 1, ended: 'idle' });
  });
});

/** A Web Locks stand-in: one exclusive lock per name, granted in request order. */
class FakeLocks implements QueueLocks {
  readonly #tails = new Map<string, Promise<unknown>>();
  request(name: string, _options: { signal?: AbortSignal }, callback: () => Promise<ReplayResult>) {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    const run = previous.then(callback, callback);
    this.#tails.set(
      name,
      run.catch(() => {}),
    );
    return run;
  }
}

describe('replayQueue with Web Locks', () => {
  it('takes over a dead replayer’s item at once: live replayers hold the lock, so the lease holder is gone', async () => {
    const [store] = (await openStores()) as [OutboxStore];
    const server = new FakeServer();
    await enqueue(store, 2);
    await store.claimNext('mail', 'stopped-sw', Date.now(), { leaseMs: 3_600_000, retentionMs: 1e9 });
    const options = { ...FAST, maxInlineWaitMs: 0, fetch: server.fetch, locks: new FakeLocks() };
    const result = await replayQueue(store, 'mail', 'new-sw', options);
    expect(result.ended).toBe('idle');
    expect(result.sent).toBe(2);
    expect(await store.get('item-1')).toMatchObject({ state: 'sent', attempts: 2 });
    expect(server.seenKeys).toEqual(['"key-1"', '"key-2"']);
  });

  it('lets replayers take turns: one sender at a time, each item once', async () => {
    const [page, worker] = (await openStores(2)) as [OutboxStore, OutboxStore];
    const server = new FakeServer();
    server.delayMs = 2;
    await enqueue(page, 15);
    const locks = new FakeLocks();
    const options = { ...FAST, fetch: server.fetch, locks };
    const results = await Promise.all([
      replayQueue(page, 'mail', 'page', options),
      replayQueue(worker, 'mail', 'sw', options),
    ]);
    expect(server.maxInFlight).toBe(1);
    expect(server.effects).toHaveLength(15);
    expect(results.map((result) => result.sent).sort()).toEqual([0, 15]);
  });
});
