import { isValidQueueName, queueOfSyncTag, syncTag } from './item.js';
import { isOutboxMessage } from './messages.js';
import { type ReplayOptions, type ReplayResult, replayQueue } from './replay.web.js';
import { OutboxReplayStore } from './replay-store.web.js';

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

/** A sync event whose queue is left waiting asks the browser to fire it again later. */
export class OutboxRetryLaterError extends Error {
  override readonly name = 'OutboxRetryLaterError';
}

/** The outbox replay wired to `scope`'s events; see `handleOutbox` for when each queue is replayed. */
export function installOutboxReplay(scope: ReplayScope, options: HandleOutboxOptions = {}): OutboxReplayer {
  const queues = options.queues ?? ['default'];
  for (const queue of queues) {
    if (!isValidQueueName(queue)) throw new TypeError(`invalid queue name ${JSON.stringify(queue)}`);
  }
  const owner = `sw:${crypto.randomUUID()}`;
  const fetchInterval = options.fetchReplayIntervalMs ?? 30_000;
  let storePromise: Promise<OutboxReplayStore> | null = null;
  const running = new Map<string, Promise<ReplayResult>>();
  const again = new Set<string>();
  const againReconnected = new Set<string>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let lastFetchReplay = -Infinity;

  const store = () => {
    storePromise ??= OutboxReplayStore.open().catch((error: unknown) => {
      storePromise = null;
      throw error;
    });
    return storePromise;
  };

  /** One replay per queue at a time in this worker; a request during a run makes it run once more. */
  const replayOne = (queue: string, reconnected = false): Promise<ReplayResult> => {
    const current = running.get(queue);
    if (current) {
      again.add(queue);
      if (reconnected) againReconnected.add(queue);
      return current;
    }
    const run = (async () => {
      const opened = await store();
      let result: ReplayResult;
      let waived = reconnected;
      do {
        again.delete(queue);
        result = await replayQueue(opened, queue, owner, { ...options, reconnected: waived });
        waived = againReconnected.delete(queue);
      } while (again.has(queue));
      if (result.ended !== 'idle' && result.nextAttemptAt !== null) {
        scheduleRetry(queue, result.nextAttemptAt, result.ended === 'waiting');
      }
      return result;
    })().finally(() => running.delete(queue));
    running.set(queue, run);
    return run;
  };

  const scheduleRetry = (queue: string, at: number, registerSync: boolean) => {
    clearTimeout(timers.get(queue));
    timers.set(
      queue,
      setTimeout(() => void replayOne(queue).catch(() => {}), Math.max(0, at - Date.now())),
    );
    // The timer dies with the worker; a sync registration survives it (where the browser has Background Sync).
    // Not for a busy queue: its holder goes on by itself, and a sync fired now would only find it busy again.
    if (registerSync) scope.registration.sync?.register(syncTag(queue)).catch(() => {});
  };

  const replayAll = (only?: string) =>
    Promise.all(
      (only === undefined ? queues : queues.filter((queue) => queue === only)).map((queue) => replayOne(queue)),
    );

  scope.addEventListener('sync', (sync) => {
    const queue = queueOfSyncTag(String(sync.tag));
    if (queue === null || !queues.includes(queue)) return;
    // The browser fires sync when it has connectivity: attempts that found no network need not back off.
    sync.waitUntil(
      replayOne(queue, true).then((result) => {
        if (result.ended === 'waiting' && sync.lastChance !== true) {
          throw new OutboxRetryLaterError(
            `queue ${queue} backs off until ${new Date(result.nextAttemptAt ?? 0).toISOString()}`,
          );
        }
      }),
    );
  });

  scope.addEventListener('message', (event) => {
    const { data } = event;
    if (isOutboxMessage(data) && data.type === 'outpost:outbox-replay' && queues.includes(data.queue)) {
      event.waitUntil(replayOne(data.queue, data.reconnected === true).catch(() => {}));
    }
  });

  scope.addEventListener('activate', (event) => event.waitUntil(replayAll().catch(() => {})));

  if (fetchInterval > 0) {
    scope.addEventListener('fetch', (event) => {
      const now = Date.now();
      if (now - lastFetchReplay < fetchInterval) return;
      lastFetchReplay = now;
      event.waitUntil(replayAll().catch(() => {}));
    });
  }

  // Worker start: whatever woke the worker keeps it alive a while; queued items from an earlier life go out now.
  void replayAll().catch(() => {});

  return { replay: replayAll };
}
