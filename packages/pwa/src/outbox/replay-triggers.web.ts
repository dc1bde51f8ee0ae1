import { isValidQueueName, syncTag } from './item.js';
import { type OutboxReplayStore, openReplayStore } from './outbox-database.web.js';
import { type ReplayOptions, type ReplayResult, replayQueue } from './replay-queue.web.js';

/** Options of `handleOutbox` (`@outpost/pwa/sw`). */
export interface HandleOutboxOptions extends ReplayOptions {
  /** The queues this worker replays. Default `['default']`. */
  queues?: string[];
  /**
   * The fallback for browsers without Background Sync: a fetch handled by this worker starts a replay at most
   * this often. Default 30 s; 0 turns it off.
   */
  fetchReplayIntervalMs?: number;
}

/** The worker side, as returned by `handleOutbox`: lets the app's own code start a replay. */
export interface OutboxReplayer {
  /** Replays one queue (or all); resolves with each queue's result. */
  replay(queue?: string): Promise<ReplayResult[]>;
}

/** The slice of an event the replay uses: `sync` events carry `tag` and `lastChance`, `message` events `data`. */
export interface ReplayEvent {
  waitUntil(promise: Promise<unknown>): void;
  tag?: unknown;
  lastChance?: unknown;
  data?: unknown;
}

/**
 * The slice of `ServiceWorkerGlobalScope` the replay uses. `handleOutbox` passes the real one; tests pass a
 * stand-in, which is why this wiring lives apart from the worker's globals.
 */
export interface ReplayScope {
  addEventListener(type: 'sync' | 'message' | 'activate' | 'fetch', listener: (event: ReplayEvent) => void): void;
  readonly registration: { sync?: { register(tag: string): Promise<void> } };
}

/**
 * A sync event whose queue is left waiting asks the browser to fire it again later. The message is the queue's
 * name; when it is due again is in the outbox (the head item's `nextAttemptAt`).
 */
export class OutboxRetryLaterError extends Error {
  override readonly name = 'OutboxRetryLaterError';
}

/** The outbox replay wired to `scope`'s events; see `handleOutbox` for when each queue is replayed. */
export function installOutboxReplay(scope: ReplayScope, options: HandleOutboxOptions = {}): OutboxReplayer {
  const queues = options.queues ?? ['default'];
  for (const queue of queues) {
    if (!isValidQueueName(queue)) throw new TypeError(`bad queue name ${JSON.stringify(queue)}`);
  }
  const owner = `sw:${crypto.randomUUID()}`;
  const fetchInterval = options.fetchReplayIntervalMs ?? 30_000;
  let opened: Promise<OutboxReplayStore> | undefined;
  const running = new Map<string, Promise<ReplayResult>>();
  /** Queues asked for a replay that has not started yet; true when one of those asks came with `reconnected`. */
  const asked = new Map<string, boolean>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let lastFetchReplay = -Infinity;
  const ignore = () => {};

  /** One replay per queue at a time in this worker; a request during a run makes it run once more. */
  const replayOne = (queue: string, reconnected = false): Promise<ReplayResult> => {
    asked.set(queue, asked.get(queue) || reconnected);
    let run = running.get(queue);
    if (!run) {
      run = (async () => {
        opened ??= openReplayStore().catch((error: unknown) => {
          opened = undefined;
          throw error;
        });
        const store = await opened;
        let result: ReplayResult;
        do {
          const waived = asked.get(queue);
          asked.delete(queue);
          result = await replayQueue(store, queue, owner, { ...options, reconnected: waived });
        } while (asked.has(queue));
        // Only an idle queue has no next attempt time.
        if (result.nextAttemptAt !== null) {
          clearTimeout(timers.get(queue));
          timers.set(
            queue,
            setTimeout(() => replayOne(queue).catch(ignore), result.nextAttemptAt - Date.now()),
          );
          // The timer dies with the worker; a sync registration survives it (where the browser has Background
          // Sync). Not for a busy queue: its holder goes on by itself, and a sync fired now would find it busy.
          if (result.ended === 'waiting') scope.registration.sync?.register(syncTag(queue)).catch(ignore);
        }
        return result;
      })().finally(() => {
        running.delete(queue);
        // Asks that came while a failed run was on got its failure; they must not carry over to the next run.
        asked.delete(queue);
      });
      running.set(queue, run);
    }
    return run;
  };

  const replayAll = (only?: string) =>
    Promise.all(queues.filter((queue) => only === undefined || queue === only).map((queue) => replayOne(queue)));
  const replayAllQuietly = () => replayAll().catch(ignore);

  scope.addEventListener('sync', (sync) => {
    const queue = queues.find((name) => sync.tag === syncTag(name));
    if (!queue) return;
    // The browser fires sync when it has connectivity: attempts that found no network need not back off.
    sync.waitUntil(
      replayOne(queue, true).then((result) => {
        if (result.ended === 'waiting' && !sync.lastChance) {
          throw new OutboxRetryLaterError(queue);
        }
      }),
    );
  });

  scope.addEventListener('message', (event) => {
    // A replay request (see OutboxMessage) for one of this worker's queues; anything else is someone else's.
    const data = event.data as { type?: unknown; queue: string; reconnected?: unknown } | null | undefined;
    if (data?.type === 'outpost:outbox-replay' && queues.includes(data.queue)) {
      event.waitUntil(replayOne(data.queue, data.reconnected === true).catch(ignore));
    }
  });

  scope.addEventListener('activate', (event) => event.waitUntil(replayAllQuietly()));

  if (fetchInterval > 0) {
    scope.addEventListener('fetch', (event) => {
      const now = Date.now();
      if (now - lastFetchReplay < fetchInterval) return;
      lastFetchReplay = now;
      event.waitUntil(replayAllQuietly());
    });
  }

  // Worker start: whatever woke the worker keeps it alive a while; queued items from an earlier life go out now.
  void replayAllQuietly();

  return { replay: replayAll };
}
