/**
 * Outbox messages between pages and service workers. Changes go out on the BroadcastChannel
 * {@link OUTBOX_CHANNEL} (every page and worker of the origin hears them); replay requests go to the controlling
 * worker with `postMessage`, because only that wakes a stopped worker.
 */
export type OutboxMessage =
  /** An item was added, changed or removed; listeners re-read the store. */
  | { type: 'outpost:outbox-changed'; queue: string; id: string }
  /**
   * Page -> worker: replay this queue now (page load, online, visible again, after sign-in, after a send);
   * `reconnected` when the page just saw an `online` event.
   */
  | { type: 'outpost:outbox-replay'; queue: string; reconnected?: boolean };

/** The BroadcastChannel on which stores announce changes. */
export const OUTBOX_CHANNEL = 'outpost:outbox';

/** Narrows an unknown message payload to an {@link OutboxMessage}. */
export function isOutboxMessage(data: unknown): data is OutboxMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { type, queue } = data as { type?: unknown; queue?: unknown; id?: unknown };
  if (typeof queue !== 'string') return false;
  if (type === 'outpost:outbox-replay') return true;
  return type === 'outpost:outbox-changed' && typeof (data as { id?: unknown }).id === 'string';
}
