// Uses only IndexedDB types the DOM and WebWorker libs share, so tests run it in Node on fake-indexeddb.
import { committed, openDatabase, promised } from '../../indexeddb.web.js';
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
 * `[cache, url]`, with an index on `[cache, time]`: removing the oldest or the expired reads keys from the low
 * end of that index and touches only the records it removes.
 */
export class IndexedDbExpirationIndex implements ExpirationIndex {
  readonly #cache: string;

  constructor(cacheName: string) {
    this.#cache = cacheName;
  }

  /**
   * Every key of this cache up to `until`, in the store (`[cache, url]`) and in its time index
   * (`[cache, time]`): `[cache]` sorts before every longer key starting with it, and the default, an array,
   * sorts after every number and string.
   */
  #upTo(until: number | [] = []): IDBKeyRange {
    return IDBKeyRange.bound([this.#cache], [this.#cache, until]);
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
    return promised(store.count(this.#upTo()));
  }

  removeOldest(n: number): Promise<string[]> {
    return this.#remove(this.#upTo(), n);
  }

  removeUsedBefore(cutoff: number): Promise<string[]> {
    return this.#remove(this.#upTo(cutoff));
  }

  async clear(): Promise<void> {
    const [store, done] = await uses('readwrite');
    store.delete(this.#upTo());
    await done;
  }

  /** Removes the first `limit` (default: all) uses in `range` of the time index, oldest first. */
  async #remove(range: IDBKeyRange, limit?: number): Promise<string[]> {
    // getAllKeys treats a count of 0 as "no limit".
    if (limit !== undefined && limit <= 0) return [];
    const [store, done] = await uses('readwrite');
    // One request reads exactly the primary keys ([cache, url]) that go; nothing else is read.
    const keys = (await promised(store.index('byTime').getAllKeys(range, limit))) as [string, string][];
    for (const key of keys) store.delete(key);
    await done;
    return keys.map((key) => key[1]);
  }
}
