import type { CDPSession } from '@playwright/test';

/** Which registration of which origin an event goes to; `registrationId` comes from `registrationId()` in sw.ts. */
export interface DispatchTarget {
  /** The page origin (a full URL is accepted; only its origin is used). */
  origin: string;
  registrationId: string;
}

/** A Background Sync event to fire. */
export interface SyncDispatch extends DispatchTarget {
  tag: string;
  /** Marks the browser's final retry (`SyncEvent.lastChance`); false when omitted. */
  lastChance?: boolean;
}

/**
 * Fires a `sync` event in the registration's service worker now, as the browser would when the network
 * returns (CDP `ServiceWorker.dispatchSyncEvent`). Resolves when the browser accepted the dispatch, not when
 * the handler finished: assert on what the handler persisted.
 */
export async function dispatchSync(cdp: CDPSession, event: SyncDispatch): Promise<void> {
  await cdp.send('ServiceWorker.dispatchSyncEvent', {
    origin: new URL(event.origin).origin,
    registrationId: event.registrationId,
    tag: event.tag,
    lastChance: event.lastChance ?? false,
  });
}

/** A Periodic Background Sync event to fire. */
export interface PeriodicSyncDispatch extends DispatchTarget {
  tag: string;
}

/**
 * Fires a `periodicsync` event (CDP `ServiceWorker.dispatchPeriodicSyncEvent`). Chromium never fires one by
 * itself in a test (the next run is about a day away), and only after `periodicBackgroundSync` was granted.
 */
export async function dispatchPeriodicSync(cdp: CDPSession, event: PeriodicSyncDispatch): Promise<void> {
  await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', {
    origin: new URL(event.origin).origin,
    registrationId: event.registrationId,
    tag: event.tag,
  });
}

/** A push message to deliver. */
export interface PushDelivery extends DispatchTarget {
  /** The payload as the worker reads it with `event.data.text()`. */
  data: string;
}

/**
 * Delivers a `push` event to the registration's worker (CDP `ServiceWorker.deliverPushMessage`), no push
 * subscription needed. The payload arrives as plain text: encryption is tested end to end in Firefox, whose
 * push client can talk to our own push service.
 */
export async function deliverPush(cdp: CDPSession, push: PushDelivery): Promise<void> {
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(push.origin).origin,
    registrationId: push.registrationId,
    data: push.data,
  });
}
