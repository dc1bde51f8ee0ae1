// Push messages between the service worker and pages, on the BroadcastChannel PUSH_CHANNEL (see the capability
// template in docs/architecture.md).

import type { DeclarativeMessage } from './declarative.js';

/**
 * - `outpost:push-received`: the worker showed a push; open pages update live from `message`.
 * - `outpost:push-navigate`: a notification click focused window `windowId` but could not navigate it (a window
 *   the worker does not control): the page at that window navigates itself.
 * - `outpost:push-subscription-changed`: the worker replaced the subscription (`pushsubscriptionchange`).
 * - `outpost:push-closed`: the user dismissed the notification with `tag` standing for `count` messages.
 */
export type PushMessage =
  | { type: 'outpost:push-received'; message: DeclarativeMessage }
  | { type: 'outpost:push-navigate'; windowId: string; url: string }
  | { type: 'outpost:push-subscription-changed'; endpoint: string | null }
  | { type: 'outpost:push-closed'; tag: string; count: number };

/** The BroadcastChannel of the push capability. */
export const PUSH_CHANNEL = 'outpost:push';

/** Narrows an unknown channel payload to a {@link PushMessage}. */
export function isPushMessage(data: unknown): data is PushMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  switch (m.type) {
    case 'outpost:push-received':
      return typeof m.message === 'object' && m.message !== null;
    case 'outpost:push-navigate':
      return typeof m.windowId === 'string' && typeof m.url === 'string';
    case 'outpost:push-subscription-changed':
      return m.endpoint === null || typeof m.endpoint === 'string';
    case 'outpost:push-closed':
      return typeof m.tag === 'string' && typeof m.count === 'number';
    default:
      return false;
  }
}
