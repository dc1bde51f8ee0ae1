import {
  type Badge,
  createBadge,
  createPush,
  type DeclarativeMessage,
  type Push,
  type PushState,
} from '@outpost/pwa/client';
import { signal } from '@preact/signals';

/** The Notifications switch's state, as the browser and server really are. */
export const pushState = signal<PushState | 'loading'>('loading');
/** The badge count (the server's unread total, last seen). */
export const badgeCount = signal(0);

let push: Promise<Push | null> | null = null;
let badge: Promise<Badge | null> | null = null;

/** Starts push (re-synced with the server on load) and the badge; `onMessage` gets each push while open. */
export function startNotifications(onMessage: (message: DeclarativeMessage) => void): void {
  if (push) return;
  push = createPush()
    .then((handle) => {
      handle.onChange((state) => {
        pushState.value = state;
      });
      handle.onMessage(onMessage);
      return handle;
    })
    .catch((error: unknown) => {
      console.warn('push unavailable:', error);
      pushState.value = 'unsupported';
      return null;
    });
  badge = createBadge()
    .then((handle) => {
      handle.subscribe((count) => {
        badgeCount.value = count;
      });
      return handle;
    })
    .catch(() => null);
}

/** Turns notifications on (call from the click) or off. */
export async function setNotifications(on: boolean): Promise<void> {
  const handle = await push;
  if (!handle) return;
  if (on) await handle.subscribe();
  else await handle.unsubscribe();
}

/** After sign-in: the server learns this browser's subscription belongs to the account now signed in. */
export async function resyncNotifications(): Promise<void> {
  await (await push)?.resync();
}

/** The server's unread count is the truth: show it. */
export async function setBadgeCount(count: number): Promise<void> {
  await (await badge)?.set(count);
}
