import type {} from './background-sync.web.js';
import type { HandleOutboxOptions, OutboxReplayer } from './replay-triggers.web.js';
import { installOutboxReplay } from './replay-triggers.web.js';

export { type HandleOutboxOptions, type OutboxReplayer, OutboxRetryLaterError } from './replay-triggers.web.js';

declare const self: ServiceWorkerGlobalScope;

/**
 * Installs the outbox replay in a service worker. A queue is replayed:
 * - on its Background Sync event (tag `outpost-outbox:<queue>`), Chromium; a queue left backing off rejects the
 *   event so the browser tries again later, except on `lastChance`, where the items simply stay for the
 *   fallbacks below (nothing is ever dropped);
 * - on a `outpost:outbox-replay` message from a page (page load, online, visible, after a send or sign-in);
 * - when the worker starts and when it activates;
 * - when the worker handles a fetch, at most once per `fetchReplayIntervalMs`;
 * - after a backoff, with a timer while the worker lives (and a new sync registration where there is one).
 *
 * @example
 * ```ts
 * // sw.ts
 * handleOutbox({ queues: ['mail'] });
 * ```
 */
export function handleOutbox(options: HandleOutboxOptions = {}): OutboxReplayer {
  // The worker's global scope is the scope itself: its events (SyncEvent, ExtendableMessageEvent, FetchEvent)
  // all have what ReplayEvent reads, and its registration has `sync` where the browser has Background Sync.
  return installOutboxReplay(self, options);
}
