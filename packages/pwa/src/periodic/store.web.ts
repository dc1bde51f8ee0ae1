// The periodic capability's durable state, shared by the worker and every page of the origin. The database
// name carries no app version: run records and registrations survive updates (docs/architecture.md).
import { committed, openDatabase, promised } from '../indexeddb.web.js';
import type { PeriodicRunRecord } from './record.js';

/** The IndexedDB database of periodic run records, registered tags and fallback leases. */
export const PERIODIC_DB = 'outpost-periodic';

/** A tag the app registered, with the interval the fallback keeps. */
export interface PeriodicRegistration {
  tag: string;
  minIntervalMs: number;
}

/** Who holds a tag's fallback run where there are no Web Locks, and until when. */
interface Lease {
  tag: string;
  owner: string;
  until: number;
}

type StoreName = 'runs' | 'tags' | 'leases';

let shared: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  shared ??= openDatabase(PERIODIC_DB, 1, (db) => {
    for (const name of ['runs', 'tags', 'leases']) db.createObjectStore(name, { keyPath: 'tag' });
  }).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

async function withStore<T>(
  name: StoreName,
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => Promise<T>,
): Promise<T> {
  const tx = (await database()).transaction(name, mode);
  const done = committed(tx);
  const result = await work(tx.objectStore(name));
  await done;
  return result;
}

/** The last run of `tag`, if it ever ran. */
export function readRun(tag: string): Promise<PeriodicRunRecord | undefined> {
  return withStore('runs', 'readonly', (store) => promised<PeriodicRunRecord | undefined>(store.get(tag)));
}

/**
 * Writes the record of a run that just ended, built by `make` from the previous one inside the same
 * transaction, so two contexts finishing at once cannot lose a `lastSuccessAt`.
 */
export function writeRun(
  tag: string,
  make: (previous: PeriodicRunRecord | undefined) => PeriodicRunRecord,
): Promise<PeriodicRunRecord> {
  return withStore('runs', 'readwrite', async (store) => {
    const record = make(await promised<PeriodicRunRecord | undefined>(store.get(tag)));
    await promised(store.put(record));
    return record;
  });
}

/** Every tag the app registered (with the fallback's interval). */
export function readRegistrations(): Promise<PeriodicRegistration[]> {
  return withStore('tags', 'readonly', (store) => promised<PeriodicRegistration[]>(store.getAll()));
}

/** One registered tag, if it is registered. */
export function readRegistration(tag: string): Promise<PeriodicRegistration | undefined> {
  return withStore('tags', 'readonly', (store) => promised<PeriodicRegistration | undefined>(store.get(tag)));
}

/** Stores a registration (replacing the tag's previous interval). */
export function saveRegistration(registration: PeriodicRegistration): Promise<void> {
  return withStore('tags', 'readwrite', async (store) => {
    await promised(store.put(registration));
  });
}

/** Forgets a registration. */
export function deleteRegistration(tag: string): Promise<void> {
  return withStore('tags', 'readwrite', async (store) => {
    await promised(store.delete(tag));
  });
}

/**
 * Claims `tag` for `owner` until `now + ttlMs` unless another owner holds an unexpired lease; true when
 * claimed. One read-write transaction, which IndexedDB runs alone among those on the same store, so two tabs
 * asking at once get one yes and one no. The lock for browsers without the Web Locks API.
 */
export function claimLease(tag: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
  return withStore('leases', 'readwrite', async (store) => {
    const held = await promised<Lease | undefined>(store.get(tag));
    if (held && held.owner !== owner && held.until > now) return false;
    await promised(store.put({ tag, owner, until: now + ttlMs } satisfies Lease));
    return true;
  });
}

/** Gives a lease back if `owner` still holds it. */
export function releaseLease(tag: string, owner: string): Promise<void> {
  return withStore('leases', 'readwrite', async (store) => {
    const held = await promised<Lease | undefined>(store.get(tag));
    if (held?.owner === owner) await promised(store.delete(tag));
  });
}
