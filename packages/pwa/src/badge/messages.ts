// Badge messages on the BroadcastChannel BADGE_CHANNEL: whoever changes the count (the worker on a push, a page
// on opening a conversation) tells every open page, which redraws its title/favicon fallback.

/** `outpost:badge-changed`: the app badge count is now `count` (0 = no badge). */
export type BadgeMessage = { type: 'outpost:badge-changed'; count: number };

/** The BroadcastChannel of the badge capability. */
export const BADGE_CHANNEL = 'outpost:badge';

/** Narrows an unknown channel payload to a {@link BadgeMessage}. */
export function isBadgeMessage(data: unknown): data is BadgeMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { type, count } = data as { type?: unknown; count?: unknown };
  return type === 'outpost:badge-changed' && typeof count === 'number' && Number.isSafeInteger(count) && count >= 0;
}
