import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IndexedDbExpirationIndex } from '../src/caching/expiration/expiration-index.sw.js';
import {
  type ExpirationIndex,
  ExpirationPolicyError,
  ExpirationTracker,
} from '../src/caching/expiration/expiration-tracker.js';

/** A clock the test moves by hand. */
function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/**
 * How many records IndexedDB reads hand back while `work` runs: keys and values from get/getKey/getAll(Keys),
 * each cursor step, and the number a count() counts (a scan by another name). A full scan of a 10,000-entry
 * cache shows up here as thousands.
 */
async function recordsRead(work: () => Promise<unknown>): Promise<number> {
  let read = 0;
  const restore: (() => void)[] = [];
  for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype] as unknown as Record<string, unknown>[]) {
    for (const name of ['get', 'getKey', 'getAll', 'getAllKeys', 'openCursor', 'openKeyCursor', 'count']) {
      const original = proto[name] as (...args: unknown[]) => IDBRequest;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const request = original.apply(this, args);
        request.addEventListener('success', () => {
          const { result } = request;
          read += name.startsWith('getAll')
            ? (result as unknown[]).length
            : name === 'count'
              ? (result as number)
              : Number(result != null);
        });
        return request;
      };
      restore.push(() => {
        proto[name] = original;
      });
    }
  }
  try {
    await work();
  } finally {
    for (const undo of restore) undo();
  }
  return read;
}

let unique = 0;
const freshIndex = () => new IndexedDbExpirationIndex(`test-cache-${unique++}`);

describe('ExpirationTracker policy', () => {
  it('needs at least one positive limit', () => {
    const index = freshIndex();
    expect(() => new ExpirationTracker(index, {})).toThrow(ExpirationPolicyError);
    expect(() => new ExpirationTracker(index, { maxEntries: 0 })).toThrow(/positive integer/);
    expect(() => new ExpirationTracker(index, { maxAgeSeconds: -1 })).toThrow(/positive/);
  });

  it('judges freshness by the Date header against maxAgeSeconds', () => {
    const time = clock();
    const tracker = new ExpirationTracker(freshIndex(), { maxAgeSeconds: 60 }, time.now);
    expect(tracker.isFresh(time.now() - 59_000)).toBe(true);
    expect(tracker.isFresh(time.now() - 60_000)).toBe(false);
    expect(tracker.isFresh(undefined)).toBe(true);
    expect(tracker.isFresh(Number.NaN)).toBe(true);
  });
});

describe('ExpirationTracker on IndexedDB', () => {
  it('keeps the maxEntries most recently used URLs', async () => {
    const time = clock();
    const tracker = new ExpirationTracker(freshIndex(), { maxEntries: 3 }, time.now);
    for (const name of ['a', 'b', 'c']) {
      tracker.record(name);
      time.advance(1000);
      expect(await tracker.flush()).toEqual([]);
    }
    tracker.record('a'); // a is now the most recent
    time.advance(1000);
    expect(await tracker.flush()).toEqual([]);
    tracker.record('d');
    expect(await tracker.flush()).toEqual(['b']);
    tracker.record('e');
    tracker.record('f');
    expect((await tracker.flush()).sort()).toEqual(['a', 'c']);
  });

  it('drops entries unused for maxAgeSeconds', async () => {
    const time = clock();
    const tracker = new ExpirationTracker(freshIndex(), { maxAgeSeconds: 10 }, time.now);
    tracker.record('old');
    await tracker.flush();
    time.advance(6000);
    tracker.record('newer');
    await tracker.flush();
    time.advance(5000);
    expect(await tracker.flush()).toEqual(['old']);
    time.advance(6000);
    expect(await tracker.flush()).toEqual(['newer']);
    expect(await tracker.flush()).toEqual([]);
  });

  it('a new tracker on the same index picks up the stored count (a restarted worker)', async () => {
    const index = freshIndex();
    const time = clock();
    const first = new ExpirationTracker(index, { maxEntries: 2 }, time.now);
    first.record('a');
    time.advance(1);
    first.record('b');
    await first.flush();
    const second = new ExpirationTracker(index, { maxEntries: 2 }, time.now);
    time.advance(1);
    second.record('c');
    expect(await second.flush()).toEqual(['a']);
  });

  it('reset forgets every entry of that cache only', async () => {
    const a = freshIndex();
    const b = freshIndex();
    const tracker = new ExpirationTracker(a, { maxEntries: 5 });
    tracker.record('x');
    await tracker.flush();
    const other = new ExpirationTracker(b, { maxEntries: 5 });
    other.record('x');
    await other.flush();
    await tracker.reset();
    expect(await a.count()).toBe(0);
    expect(await b.count()).toBe(1);
  });

  it('with 10,000 entries a use and an eviction read only the records that go', async () => {
    const index = freshIndex();
    const time = clock();
    const tracker = new ExpirationTracker(index, { maxEntries: 10_000, maxAgeSeconds: 3600 }, time.now);
    for (let i = 0; i < 10_000; i++) {
      tracker.record(`https://app.example/item/${i}`);
      time.advance(1);
    }
    expect(await tracker.flush()).toEqual([]);
    expect(await index.count()).toBe(10_000);

    // A hit on an existing entry: no eviction, nothing read beyond the one key it checks.
    tracker.record('https://app.example/item/0');
    expect(await recordsRead(async () => expect(await tracker.flush()).toEqual([]))).toBe(1);

    // One new entry over the limit: its key check finds nothing, then exactly the one record that goes is read.
    tracker.record('https://app.example/item/new');
    expect(await recordsRead(async () => expect(await tracker.flush()).toEqual(['https://app.example/item/1']))).toBe(
      1,
    );

    // Entries used more than an hour ago: item/2 .. item/~1000. Only they are read.
    time.advance(3600 * 1000 - 9_000);
    let expired: string[] = [];
    const read = await recordsRead(async () => {
      expired = await tracker.flush();
    });
    expect(expired.length).toBeGreaterThan(900);
    expect(read).toBe(expired.length);
    expect(await index.count()).toBe(10_000 - expired.length);
  }, 60_000);

  it('flushes run one after another; uses recorded meanwhile go in the next batch', async () => {
    const calls: string[] = [];
    const slow: ExpirationIndex = {
      async touch(times) {
        calls.push(`touch ${[...times.keys()].join(',')}`);
        await new Promise((r) => setTimeout(r, 5));
        calls.push('touched');
        return times.size;
      },
      count: async () => 0,
      removeOldest: async () => [],
      removeUsedBefore: async () => [],
      clear: async () => undefined,
    };
    const tracker = new ExpirationTracker(slow, { maxEntries: 10 });
    tracker.record('a');
    const one = tracker.flush();
    await new Promise((r) => setTimeout(r, 1)); // the first flush is now inside touch()
    tracker.record('b');
    const two = tracker.flush();
    await Promise.all([one, two]);
    expect(calls).toEqual(['touch a', 'touched', 'touch b', 'touched']);
  });
});
