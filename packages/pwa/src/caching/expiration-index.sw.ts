// Uses only IndexedDB types the DOM and WebWorker libs share, so tests run it in Node on fake-indexeddb.
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ExpirationIndex } from './expiration-tracker.js';

/** The database holding every runtime cache's expiration index; its name never changes with an app version. */
export const EXPIRATION_DB = 'outpost-expiration';

interface ExpirationSchema extends DBSchema {
  uses: {
    key: [string, string];
    value: { cache: string; url: string; time: number };
    indexes: { byTime: [string, number] };
  };
}

let shared: Promise<IDBPDatabase<ExpirationSchema>> | undefined;

/** One connection per worker, opened on first use. */
function openExpirationDb(): Promise<IDBPDatabase<ExpirationSchema>> {
  shared ??= openDB<ExpirationSchema>(EXPIRATION_DB, 1, {
    upgrade(db) {
      const uses = db.createObjectStore('uses', { keyPath: ['cache', 'url'] });
      uses.createIndex('byTime', ['cache', 'time']);
    },
  });
  return shared;
}

/**
 * The IndexedDB {@link ExpirationIndex} of one cache. Records live in one object store keyed by
 * `[cache, url]`, with an index on `[cache, time]`: counting, finding the oldest and removing the oldest or
 * the expired walk that index from its low end and touch only the records they return.
 * `visited` counts the records cursors stepped over, so tests can prove no operation scans the cache.
 */
export class IndexedDbExpirationIndex implements ExpirationIndex {
  /** Records visited by cursors since creation (for tests and diagnostics). */
  visited = 0;
  private readonly db: Promise<IDBPDatabase<ExpirationSchema>>;

  constructor(readonly cacheName: string) {
    this.db = openExpirationDb();
  }

  private get timeRange(): IDBKeyRange {
    return IDBKeyRange.bound([this.cacheName, Number.NEGATIVE_INFINITY], [this.cacheName, Number.POSITIVE_INFINITY]);
  }

  async touch(times: ReadonlyMap<string, number>): Promise<number> {
    const tx = (await this.db).transaction('uses', 'readwrite');
    let added = 0;
    await Promise.all(
      [...times].map(async ([url, time]) => {
        const key = await tx.store.getKey([this.cacheName, url]);
        if (key === undefined) added++;
        await tx.store.put({ cache: this.cacheName, url, time });
      }),
    );
    await tx.done;
    return added;
  }

  async count(): Promise<number> {
    return (await this.db).countFromIndex('uses', 'byTime', this.timeRange);
  }

  async oldestTime(): Promise<number | undefined> {
    const cursor = await (await this.db).transaction('uses').store.index('byTime').openCursor(this.timeRange);
    if (!cursor) return undefined;
    this.visited++;
    return cursor.value.time;
  }

  removeOldest(n: number): Promise<string[]> {
    return this.removeWhile(this.timeRange, n);
  }

  removeUsedBefore(cutoff: number): Promise<string[]> {
    return this.removeWhile(
      IDBKeyRange.bound([this.cacheName, Number.NEGATIVE_INFINITY], [this.cacheName, cutoff]),
      Number.POSITIVE_INFINITY,
    );
  }

  async clear(): Promise<void> {
    // Array keys sort after strings, so [name, []] is above every [name, url].
    await (await this.db).delete('uses', IDBKeyRange.bound([this.cacheName], [this.cacheName, []]));
  }

  private async removeWhile(range: IDBKeyRange, limit: number): Promise<string[]> {
    const removed: string[] = [];
    if (limit <= 0) return removed;
    const tx = (await this.db).transaction('uses', 'readwrite');
    let cursor = await tx.store.index('byTime').openCursor(range);
    while (cursor) {
      this.visited++;
      removed.push(cursor.value.url);
      await cursor.delete();
      if (removed.length >= limit) break;
      cursor = await cursor.continue();
    }
    await tx.done;
    return removed;
  }
}
