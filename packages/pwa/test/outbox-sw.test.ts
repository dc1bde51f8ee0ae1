import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxStore } from '../src/outbox/page-store.web.js';
import {
  installOutboxReplay,
  OutboxRetryLaterError,
  type ReplayEvent,
  type ReplayScope,
} from '../src/outbox/replay-triggers.web.js';
import { createItem } from '../src/outbox/transitions.js';

// The worker's event wiring, on a stand-in for ServiceWorkerGlobalScope: which events replay, what a sync
// event's promise says to the browser, and that lastChance drops nothing.

type Listener = (event: ReplayEvent) => void;

class FakeScope implements ReplayScope {
  readonly #listeners = new Map<string, Listener[]>();
  readonly syncTags: string[] = [];
  readonly registration = {
    sync: {
      register: async (tag: string) => {
        this.syncTags.push(tag);
      },
    },
  };
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  /** Fires an event; returns the promises its listeners passed to waitUntil. */
  dispatch(type: string, fields: Record<string, unknown> = {}): Promise<unknown>[] {
    const promises: Promise<unknown>[] = [];
    const event: ReplayEvent = { ...fields, waitUntil: (promise) => promises.push(promise) };
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
    return promises;
  }
}

let queueCounter = 0;
const stores: OutboxStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A fresh queue with `count` items, a stand-in scope, and a scripted server. */
async function setUp(count: number, statuses: number[] = [], headers: Record<string, string> = {}) {
  const queue = `sw-${++queueCounter}`;
  const store = await OutboxStore.open();
  stores.push(store);
  for (let n = 1; n <= count; n++) {
    await store.add(
      createItem({
        id: `${queue}-${n}`,
        idempotencyKey: `${queue}-key-${n}`,
        queue,
        label: null,
        now: Date.now(),
        request: { url: 'http://localhost/api/x', method: 'POST', headers: [], body: `{"n":${n}}` },
      }),
    );
  }
  const scope = new FakeScope();
  const seen: string[] = [];
  const fetch = async (request: Request) => {
    seen.push(await request.text());
    return new Response('{}', { status: statuses.shift() ?? 201, headers });
  };
  const states = async () => (await store.list(queue)).map((item) => item.state);
  return { queue, scope, seen, fetch, states };
}

const quiet = { locks: null, backoff: { baseMs: 5, maxMs: 10 } } as const;

describe('installOutboxReplay (what handleOutbox wires to the worker)', () => {
  it('replays queued items when the worker starts, in order', async () => {
    const { queue, scope, seen, fetch, states } = await setUp(3);
    installOutboxReplay(scope, { queues: [queue], fetch, ...quiet });
    await expect.poll(states).toEqual(['sent', 'sent', 'sent']);
    expect(seen).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('replays on its own sync tag only, and resolves the sync event once the queue is sent', async () => {
    const { queue, scope, fetch, states } = await setUp(2);
    installOutboxReplay(scope, { queues: [queue], fetch, ...quiet });
    expect(scope.dispatch('sync', { tag: 'someone-else', lastChance: false })).toEqual([]);
    const [sync] = scope.dispatch('sync', { tag: `outpost-outbox:${queue}`, lastChance: false });
    await expect(sync).resolves.toBeUndefined();
    expect(await states()).toEqual(['sent', 'sent']);
  });

  it('rejects a sync event whose queue must wait (the browser retries), but never on lastChance', async () => {
    const { queue, scope, fetch, states } = await setUp(1, [503, 503, 503], { 'retry-after': '3600' });
    installOutboxReplay(scope, { queues: [queue], fetch, ...quiet, fetchReplayIntervalMs: 0 });
    const [sync] = scope.dispatch('sync', { tag: `outpost-outbox:${queue}`, lastChance: false });
    await expect(sync).rejects.toBeInstanceOf(OutboxRetryLaterError);
    await expect(sync).rejects.toMatchObject({ name: 'OutboxRetryLaterError', message: queue });
    expect(scope.syncTags).toContain(`outpost-outbox:${queue}`);
    const [last] = scope.dispatch('sync', { tag: `outpost-outbox:${queue}`, lastChance: true });
    await expect(last).resolves.toBeUndefined();
    // Nothing is dropped: the item waits for the fallbacks.
    expect(await states()).toEqual(['pending']);
  });

  it('replays on a replay message from a page and ignores other messages', async () => {
    const { queue, scope, fetch, states } = await setUp(0);
    installOutboxReplay(scope, { queues: [queue], fetch, ...quiet });
    const store = stores[0] as OutboxStore;
    await store.add(
      createItem({
        id: `${queue}-late`,
        idempotencyKey: 'k',
        queue,
        label: null,
        now: Date.now(),
        request: { url: 'http://localhost/api/x', method: 'POST', headers: [], body: null },
      }),
    );
    expect(scope.dispatch('message', { data: { type: 'outpost:skip-waiting' } })).toEqual([]);
    const [replay] = scope.dispatch('message', { data: { type: 'outpost:outbox-replay', queue } });
    await replay;
    expect(await states()).toEqual(['sent']);
  });

  it('replays on a handled fetch at most once per interval', async () => {
    const { queue, scope, fetch } = await setUp(0);
    installOutboxReplay(scope, { queues: [queue], fetch, ...quiet, fetchReplayIntervalMs: 60_000 });
    expect(scope.dispatch('fetch')).toHaveLength(1);
    expect(scope.dispatch('fetch')).toHaveLength(0);
  });

  it('refuses an invalid queue name', () => {
    expect(() => installOutboxReplay(new FakeScope(), { queues: ['bad name'] })).toThrow(TypeError);
    expect(() => installOutboxReplay(new FakeScope(), { queues: ['bad name'] })).toThrow('bad queue name "bad name"');
  });
});
