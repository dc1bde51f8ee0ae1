/**
 * Messages the page sends to a service worker about its lifecycle. A discriminated union on `type`; every
 * message of this toolkit carries the `outpost:` prefix so an app's own messages never collide with it.
 */
export type LifecycleMessage = { type: 'outpost:skip-waiting' };

/** Narrows an unknown `message` event payload to a {@link LifecycleMessage}. */
export function isLifecycleMessage(data: unknown): data is LifecycleMessage {
  return (data as { type?: unknown } | null)?.type === 'outpost:skip-waiting';
}
