import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { installPeriodic, type PeriodicScope } from '../src/periodic/install.sw.js';
import { runPeriodic } from '../src/periodic/runner.sw.js';
import { StageClosedError } from '../src/periodic/stage.sw.js';
import { readRun } from '../src/periodic/store.web.js';
import { InMemoryCacheStorage } from './in-memory-caches.js';

// The worker side in Node (fake-indexeddb, an in-memory CacheStorage): a run commits only when it ends in
// time, a slow one is stopped by its signal and recorded as timed out with the previous cache intact, limits
// evict the oldest entries, and the event wiring runs handlers inside waitUntil.

let tagCounter = 0;
const freshTag = () => `test-${++tagCounter}`;

const text = async (storage: CacheStorage, cacheName: string, url: string) =>
  (await (await storage.open(cacheName)).match(url))?.text();

const keys = async (storage: CacheStorage, cacheName: string) =>
  (await (await storage.open(cacheName)).keys()).map((request) => request.url).sort();

describe('runPeriodic', () => {
  it('commits what the handler staged and records an ok run with its summary', async () => {
    const storage = new InMemoryCacheStorage();
    const tag = freshTag();
    const record = await runPeriodic(
      tag,
      {
        run: async ({ stage }) => {
          await stage.put('news', 'https://example.test/a', new Response('article a'));
          expect(await text(storage, 'news', 'https://example.test/a')).toBeUndefined();
          return { added: 1 };
        },
      },
      { source: 'periodicsync', storage },
    );
    expect(record).toMatchObject({ tag, source: 'periodicsync', outcome: 'ok', summary: { added: 1 } });
    expect(record.lastSuccessAt).toBe(record.startedAt);
    expect(await text(storage, 'news', 'https://example.test/a')).toBe('article a');
    expect(await readRun(tag)).toEqual(record);
  });

  it('a handler over its budget is aborted, recorded as timed out, and the previous cache still reads', async () => {
    const storage = new InMemoryCacheStorage();
    const tag = freshTag();
    await (await storage.open('news')).put('https://example.test/old', new Response('yesterday'));
    const first = await runPeriodic(tag, { run: async () => ({ added: 0 }) }, { source: 'fallback', storage });
    let sawAbort: unknown;
    let lateWrite: unknown;
    const record = await runPeriodic(
      tag,
      {
        budgetMs: 50,
        run: async ({ stage, signal }) => {
          await stage.put('news', 'https://example.test/half', new Response('half written'));
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          sawAbort = signal.reason;
          // A handler that keeps going after the abort can no longer write.
          lateWrite = await stage.put('news', 'https://example.test/late', new Response('x')).catch((e) => e);
          return { added: 2 };
        },
      },
      { source: 'fallback', storage },
    );
    expect(record.outcome).toBe('timed-out');
    expect(record.error).toMatch(/TimeoutError: .* over its budget of 50 ms/);
    expect(record.lastSuccessAt).toBe(first.startedAt);
    expect(sawAbort).toBeInstanceOf(DOMException);
    await expect.poll(() => lateWrite).toBeInstanceOf(DOMException);
    expect(await keys(storage, 'news')).toEqual(['https://example.test/old']);
    expect(await text(storage, 'news', 'https://example.test/old')).toBe('yesterday');
  });

  it('a handler that ignores its signal is still recorded as timed out at the budget', async () => {
    const storage = new InMemoryCacheStorage();
    const started = Date.now();
    const record = await runPeriodic(
      freshTag(),
      { budgetMs: 50, run: () => new Promise(() => {}) },
      { source: 'fallback', storage },
    );
    expect(record.outcome).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a handler that throws commits nothing and is recorded as failed', async () => {
    const storage = new InMemoryCacheStorage();
    const record = await runPeriodic(
      freshTag(),
      {
        run: async ({ stage }) => {
          await stage.put('news', 'https://example.test/x', new Response('x'));
          throw new Error('list answered 500');
        },
      },
      { source: 'fallback', storage },
    );
    expect(record).toMatchObject({ outcome: 'failed', error: 'Error: list answered 500', lastSuccessAt: null });
    expect(await keys(storage, 'news')).toEqual([]);
  });

  it('applies cache limits on commit: the oldest entries go first', async () => {
    const storage = new InMemoryCacheStorage();
    const tag = freshTag();
    const cacheName = `images-${tag}`;
    const putAll = (urls: string[]) =>
      runPeriodic(
        tag,
        {
          caches: { [cacheName]: { maxEntries: 3 } },
          run: async ({ stage }) => {
            for (const url of urls) await stage.put(cacheName, url, new Response(url));
            return undefined;
          },
        },
        { source: 'fallback', storage },
      );
    await putAll(['https://example.test/1', 'https://example.test/2']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await putAll(['https://example.test/3', 'https://example.test/4']);
    expect(await keys(storage, cacheName)).toHaveLength(3);
    expect(await keys(storage, cacheName)).toContain('https://example.test/3');
    expect(await keys(storage, cacheName)).toContain('https://example.test/4');
  });

  it('a committed stage refuses more puts', async () => {
    const storage = new InMemoryCacheStorage();
    let stageRef: { put(c: string, r: string, res: Response): Promise<void> } | undefined;
    await runPeriodic(
      freshTag(),
      {
        run: async ({ stage }) => {
          stageRef = stage;
          return undefined;
        },
      },
      { source: 'fallback', storage },
    );
    await expect(stageRef?.put('news', 'https://example.test/z', new Response('z'))).rejects.toBeInstanceOf(
      StageClosedError,
    );
  });
});

type Listener = Parameters<PeriodicScope['addEventListener']>[1];

class FakeScope implements PeriodicScope {
  readonly listeners = new Map<string, Listener[]>();
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  dispatch(type: string, fields: { tag?: string; data?: unknown }): Promise<unknown>[] {
    const promises: Promise<unknown>[] = [];
    for (const listener of this.listeners.get(type) ?? []) {
      listener({ ...fields, waitUntil: (promise) => promises.push(promise) });
    }
    return promises;
  }
}

describe('installPeriodic', () => {
  it('runs a periodicsync event inside waitUntil and a page request too, announcing each on the channel', async () => {
    const scope = new FakeScope();
    const storage = new InMemoryCacheStorage();
    const tag = freshTag();
    let runs = 0;
    installPeriodic(scope, {
      storage,
      handlers: {
        [tag]: async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return { runs };
        },
      },
    });
    const heard: unknown[] = [];
    const page = new BroadcastChannel('outpost:periodic');
    page.onmessage = (event) => heard.push(event.data);
    try {
      const fromEvent = scope.dispatch('periodicsync', { tag });
      // A page's fallback asking while the browser's run is in progress joins it: one run, two answers.
      const fromPage = scope.dispatch('message', { data: { type: 'outpost:periodic-run', tag, requestId: 'r1' } });
      expect(fromEvent).toHaveLength(1);
      expect(fromPage).toHaveLength(1);
      await Promise.all([...fromEvent, ...fromPage]);
      expect(runs).toBe(1);
      await expect.poll(() => heard.length).toBe(2);
      expect(heard).toContainEqual(expect.objectContaining({ type: 'outpost:periodic-ran', tag, requestId: 'r1' }));
      expect(heard).toContainEqual(expect.objectContaining({ type: 'outpost:periodic-ran', tag, requestId: null }));
      expect((await readRun(tag))?.source).toBe('periodicsync');
    } finally {
      page.close();
    }
  });

  it('ignores messages that are not periodic run requests and records a tag without a handler as failed', async () => {
    const scope = new FakeScope();
    installPeriodic(scope, { storage: new InMemoryCacheStorage(), handlers: {} });
    expect(scope.dispatch('message', { data: { type: 'outpost:outbox-replay', queue: 'mail' } })).toHaveLength(0);
    const tag = freshTag();
    await Promise.all(scope.dispatch('periodicsync', { tag }));
    expect(await readRun(tag)).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('no periodic handler'),
    });
  });
});
