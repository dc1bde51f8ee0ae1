// Three promise helpers over raw IndexedDB, instead of the `idb` library: idb's proxy wrapper costs about
// 1 KB gzipped, an eighth of the 8 KB budget of a typical service worker, and the expiration index and the
// outbox need only these. A transaction stays active while its callers await these promises: each one
// settles inside the request's success event, and the awaiting code runs in that event's microtask
// checkpoint, before the transaction could auto-commit.

/**
 * Resolves with a request's result, rejects with its error. For a cursor request, call it again after each
 * `continue()`: it replaces the request's handlers, so one request can drive a whole walk.
 *
 * @example
 * ```ts
 * const request = store.index('byTime').openCursor(range);
 * for (let cursor = await promised(request); cursor; cursor = await promised(request)) cursor.continue();
 * ```
 */
export function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Settles when a transaction commits; rejects with its error when it fails (an explicit `abort()`, which
 * nothing here calls, would reject with null). Call it before the transaction can finish — right after
 * creating it, or in the same microtask as its last request's result.
 */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * Opens a database, running `upgrade` when it is created or its version rises. The connection closes itself
 * when another context opens a newer version, so an updated worker's upgrade is never blocked by this one.
 */
export async function openDatabase(
  name: string,
  version: number,
  upgrade: (db: IDBDatabase) => void,
): Promise<IDBDatabase> {
  const request = indexedDB.open(name, version);
  request.onupgradeneeded = () => upgrade(request.result);
  const db = await promised(request);
  db.onversionchange = () => db.close();
  return db;
}
