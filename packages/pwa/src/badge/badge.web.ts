// The badge count, kept in IndexedDB (the store's name has no version: an update never loses it) and applied
// with the Badging API where the browser has it. Runs in the worker (a push sets the server's count) and in
// pages (opening a conversation lowers it). Every change is announced on BADGE_CHANNEL.

import { openChannel } from '../channel.web.js';
import { committed, openDatabase, promised } from '../indexeddb.web.js';
import { BADGE_CHANNEL, type BadgeMessage, isBadgeMessage } from './messages.js';
import { normalizeCount } from './title.js';

/** The IndexedDB database holding the badge count. */
export const BADGE_DB = 'outpost-badge';
const STORE = 'badge';
const KEY = 'count';

/** The Badging API where a context has it (Navigator in pages, WorkerNavigator in workers). */
interface BadgingNavigator {
  setAppBadge?(count?: number): Promise<void>;
  clearAppBadge?(): Promise<void>;
}

/** The context's navigator as far as badging goes (absent in Node, where the unit tests run). */
function badging(): BadgingNavigator | undefined {
  return (globalThis as { navigator?: BadgingNavigator }).navigator;
}

function open(): Promise<IDBDatabase> {
  return openDatabase(BADGE_DB, 1, (db) => db.createObjectStore(STORE));
}

/** Whether this context can set the app icon's badge. */
export function hasBadgingApi(): boolean {
  return typeof badging()?.setAppBadge === 'function';
}

/** The stored count (0 when none was ever stored). */
export async function readBadge(): Promise<number> {
  const db = await open();
  try {
    return normalizeCount(await promised(db.transaction(STORE).objectStore(STORE).get(KEY)));
  } finally {
    db.close();
  }
}

/** Applies `change` to the stored count in one transaction; returns the new count. */
async function writeBadge(change: (current: number) => number): Promise<number> {
  const db = await open();
  try {
    const tx = db.transaction(STORE, 'readwrite');
    const done = committed(tx);
    const store = tx.objectStore(STORE);
    const next = normalizeCount(change(normalizeCount(await promised(store.get(KEY)))));
    store.put(next, KEY);
    await done;
    return next;
  } finally {
    db.close();
  }
}

/** Shows `count` on the app icon where the Badging API exists; a refusal (not installed, no permission) is ignored. */
async function applyToIcon(count: number): Promise<void> {
  const api = badging();
  try {
    if (count > 0) await api?.setAppBadge?.(count);
    else await api?.clearAppBadge?.();
  } catch {
    // Not allowed here (e.g. an app that is not installed): the stored count and the page fallback still work.
  }
}

/**
 * Sets the badge: stores the count, shows it on the icon where the Badging API exists, and tells open pages.
 * Returns the count stored.
 */
export async function setBadge(count: number): Promise<number> {
  return changeBadge(() => count);
}

/** Lowers (or raises, with a negative `by`) the stored count and applies it; never below 0. */
export async function lowerBadge(by: number): Promise<number> {
  return changeBadge((current) => current - by);
}

async function changeBadge(change: (current: number) => number): Promise<number> {
  const next = await writeBadge(change);
  await applyToIcon(next);
  const channel = openChannel<BadgeMessage>(BADGE_CHANNEL, isBadgeMessage);
  channel.post({ type: 'outpost:badge-changed', count: next });
  channel.close();
  return next;
}
