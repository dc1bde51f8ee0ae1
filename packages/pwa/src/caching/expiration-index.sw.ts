// Uses only IndexedDB types the DOM and WebWorker libs share, so tests run it in Node on fake-indexeddb.
import { committed, openDatabase, promised } from '../indexeddb.web.js';
import type { ExpirationIndex } from './expiration-tracker.js';

/** The database holding every runtime cache's expiration index; its name never changes with an app version. */
export const EXPIRATION_DB = 'outpost-expiration';

/** One record: when `url` of cache `cache` was last written or served. Keyed by `[cache, url]`. */
interface Use {
  cache: string;
  url: string;
  time: number;
}

let shared: Promise<IDBDatabase> | undefined;

/** The `uses` store in a new transaction, with the promise of its commit. */
async function uses(mode: IDBTransactionMode): Promise<[IDBObjectStore, Promise<void>]> {
  shared ??= openDatabase(EXPIRATION_DB, 1, (db) =>
    db.createObjectStore('uses', { keyPath: ['cache', 'url'] }).createIndex('byTime', ['cache', 'time']),
  );
  const tx = (await shared).transaction('uses', mode);
  return [tx.objectStore('uses'), committed(tx)];
}

/**
 * The IndexedDB {@link ExpirationIndex} of one cache. Records live in one object store keyed by
 * `[cache, url]`, with an index on `[cache, time]`: removing the oldest or the expired walks that index from
 * its low end and touches only the records it removes.
 * `visited` counts the records cursors stepped over, so tests can prove no operation scans the cache.
 */
export class IndexedDbExpirationIndex implements ExpirationIndex {
  /** Records visited by cursors since creation (for tests and diagnostics). */
  visited = 0;
  readonly #cache: string;

  constructor(cacheName: string) {
    this.#cache = cacheName;
  }

  /** Uses of this cache last made up to `until` (all of them by default). */
  #usedUntil(until = Infinity): IDBKeyRange {
    return IDBKeyRange.bound([this.#cache, -Infinity], [this.#cache, until]);
  }

  async touch(times: ReadonlyMap<string, number>): Promise<number> {
    const [store, done] = await uses('readwrite');
    const cache = this.#cache;
    const known = await Promise.all(
      // Requests run in the order made: each getKey sees the store before its own put.
      [...times].map(([url, time]) => {
        const key = promised(store.getKey([cache, url]));
        store.put({ cache, url, time } satisfies Use);
        return key;
      }),
    );
    await done;
    return known.filter((key) => key === undefined).length;
  }

  async count(): Promise<number> {
    const [store] = await uses('readonly');
    return promised(store.index('byTime').count(this.#usedUntil()));
  }

  removeOldest(n: number): Promise<string[]> {
    return this.#removeWhile(this.#usedUntil(), n);
  }

  removeUsedBefore(cutoff: number): Promise<string[]> {
    return this.#removeWhile(this.#usedUntil(cutoff), Infinity);
  }

  async clear(): Promise<void> {
    const [store, done] = await uses('readwrite');
    // Array keys sort after strings, so [name, []] is above every [name, url].
    store.delete(IDBKeyRange.bound([this.#cache], [this.#cache, []]));
    await done;
  }

  async #removeWhile(range: IDBKeyRange, limit: number): Promise<string[]> {
    const removed: string[] = [];
    if (limit <= 0) return removed;
    const [store, done] = await uses('readwrite');
    const request = store.index('byTime').openCursor(range);
    for (let cursor = await promised(request); cursor; cursor = await promised(request)) {
      this.visited++;
      removed.push((cursor.value as Use).url);
      cursor.delete();
      if (removed.length >= limit) break;
      cursor.continue();
    }
    await done;
    return removed;
  }
}
