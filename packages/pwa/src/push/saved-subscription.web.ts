// The subscription this origin last registered with its server, kept in IndexedDB (no version in the name).
// The worker needs it on `pushsubscriptionchange` (Chromium passes no old subscription, and the old one may be
// gone): the old endpoint tells the server which row to replace, the key which server key to subscribe with.

import { committed, openDatabase, promised } from '../indexeddb.web.js';

/** The IndexedDB database of the push capability. */
export const PUSH_DB = 'outpost-push';
const STORE = 'state';
const KEY = 'subscription';

/** What the server was last told. */
export interface SavedSubscription {
  endpoint: string;
  /** The application server key it was made with, base64url. */
  key: string;
}

function open(): Promise<IDBDatabase> {
  return openDatabase(PUSH_DB, 1, (db) => db.createObjectStore(STORE));
}

/** The saved subscription, or null. */
export async function readSavedSubscription(): Promise<SavedSubscription | null> {
  const db = await open();
  try {
    const value: unknown = await promised(db.transaction(STORE).objectStore(STORE).get(KEY));
    const saved = value as Partial<SavedSubscription> | undefined;
    return typeof saved?.endpoint === 'string' && typeof saved.key === 'string'
      ? { endpoint: saved.endpoint, key: saved.key }
      : null;
  } finally {
    db.close();
  }
}

/** Saves (or, with null, forgets) the subscription the server holds. */
export async function writeSavedSubscription(saved: SavedSubscription | null): Promise<void> {
  const db = await open();
  try {
    const tx = db.transaction(STORE, 'readwrite');
    const done = committed(tx);
    if (saved) tx.objectStore(STORE).put(saved, KEY);
    else tx.objectStore(STORE).delete(KEY);
    await done;
  } finally {
    db.close();
  }
}
