import type {} from './background-sync.web.js';
import { isValidQueueName, type OutboxItem, type StoredRequest, syncTag } from './item.js';
import type { OutboxMessage } from './messages.js';
import { OutboxStore } from './page-store.web.js';
import { type ReplayOptions, type ReplayResult, replayQueue } from './replay-queue.web.js';
import { ACCOUNT_HEADER, IDEMPOTENCY_KEY_HEADER, idempotencyKeyHeaderValue } from './request-headers.js';
import { assertCancellable, createItem, OutboxActionError, resumeAfterSignIn, retryNow } from './transitions.js';

/** A request to send through the outbox. */
export interface OutboxRequest {
  /** Absolute, or relative to the page. */
  url: string;
  /** Default `POST`. */
  method?: string;
  headers?: HeadersInit;
  /**
   * What `fetch` takes: a string, bytes, a Blob, FormData, URLSearchParams or a ReadableStream. It is stored as
   * a string or bytes, with the Content-Type `fetch` would have sent (a multipart boundary, a Blob's type) added
   * to the headers when they have none.
   */
  body?: BodyInit | null;
  /** What the app shows for the item (e.g. `{ to, subject }`); stored with it, never sent. */
  label?: unknown;
  /**
   * The signed-in account's id. The item records it and every attempt sends it as `Outpost-Account`, so the server
   * refuses it in another account's session (the item then waits, `needs-sign-in`, for its own account). Give it
   * whenever requests act as a user: without it, a request queued by one user is sent in whichever session the
   * browser has when it goes out.
   */
  account?: string;
}

/** Options of {@link createOutbox}. */
export interface OutboxOptions extends ReplayOptions {
  /** The queue's name (one Background Sync tag per queue). Default `default`. */
  queue?: string;
  /** Replay when the page loads, comes online or becomes visible again. Default true. */
  autoReplay?: boolean;
}

/** The page side of a queue: send, watch, retry, cancel. */
export interface Outbox {
  readonly queue: string;
  /**
   * Stores the request durably with an `Idempotency-Key` made now and returns the item's id as soon as it is
   * stored, before any network. Then asks the service worker to send it (Background Sync where there is one, a
   * message otherwise), or sends it from the page when no worker controls it.
   */
  send(request: OutboxRequest): Promise<string>;
  /** The queue's items in enqueue order. */
  list(): Promise<OutboxItem[]>;
  /** Calls `listener` with the items now and after every change from any page or worker; returns the unsubscribe. */
  subscribe(listener: (items: OutboxItem[]) => void): () => void;
  /** Sends a failed or waiting item again now (same key). Throws {@link OutboxActionError} while it is being sent. */
  retry(id: string): Promise<void>;
  /** Removes an item that is not being sent. Throws {@link OutboxActionError} once it is being (or was) sent. */
  cancel(id: string): Promise<void>;
  /**
   * After a user signed in: items that waited for sign-in go back to pending and a replay starts; with `account`,
   * only that account's items (and items bound to none). Returns how many.
   */
  resume(account?: string): Promise<number>;
  /** Asks for a replay now (the worker's, or this page's without one). */
  replay(): Promise<void>;
  /** Stops listening; the queue itself stays. */
  close(): void;
}

/**
 * The outbox for a page.
 *
 * @example
 * ```ts
 * const outbox = await createOutbox({ queue: 'mail' });
 * const id = await outbox.send({
 *   url: '/api/mail',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ to: 'bob', subject: 'Hi', text: '...' }),
 *   label: { to: 'bob', subject: 'Hi' },
 * });
 * outbox.subscribe((items) => render(items));      // pending, sending, sent, failed, needs-sign-in
 * // after the user signs in again:
 * await outbox.resume();
 * ```
 */
export async function createOutbox(options: OutboxOptions = {}): Promise<Outbox> {
  const queue = options.queue ?? 'default';
  if (!isValidQueueName(queue))
    throw new TypeError(`queue must be 1-64 of [A-Za-z0-9._-], got ${JSON.stringify(queue)}`);
  const store = await OutboxStore.open();
  const owner = `page:${crypto.randomUUID()}`;
  const cleanups: (() => void)[] = [];
  let pageReplay: Promise<ReplayResult> | null = null;
  let replayAgain = false;
  let persistAsked = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Replays from this page (no worker controls it); coalesces calls, running once more if asked meanwhile. */
  const replayHere = (reconnected: boolean): Promise<void> => {
    if (pageReplay) {
      replayAgain = true;
      return pageReplay.then(() => {});
    }
    const run = async (): Promise<ReplayResult> => {
      let result: ReplayResult;
      let first = true;
      do {
        replayAgain = false;
        result = await replayQueue(store, queue, owner, { ...options, reconnected: first && reconnected });
        first = false;
      } while (replayAgain);
      return result;
    };
    pageReplay = run().finally(() => {
      pageReplay = null;
    });
    return pageReplay.then((result) => {
      if (result.ended === 'waiting' && result.nextAttemptAt !== null) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => kickInBackground(), Math.max(0, result.nextAttemptAt - Date.now()));
      }
    });
  };

  const kick = async (reconnected = false): Promise<void> => {
    const controller = navigator.serviceWorker?.controller;
    if (!controller) return replayHere(reconnected);
    const registration = await navigator.serviceWorker.getRegistration();
    if (registration?.sync) {
      try {
        // Background Sync: the browser fires it now if online, else when the network returns, even with every
        // tab closed.
        await registration.sync.register(syncTag(queue));
        return;
      } catch {
        // Not permitted (e.g. denied by the user or the browser): fall back to asking the worker.
      }
    }
    const message: OutboxMessage = { type: 'outpost:outbox-replay', queue, reconnected };
    controller.postMessage(message);
  };

  /** A replay nobody waits for: the items are stored either way, so a failure here is only reported. */
  const kickInBackground = (reconnected = false) => {
    kick(reconnected).catch((error: unknown) => console.warn('outbox replay failed:', error));
  };

  if (options.autoReplay ?? true) {
    const onOnline = () => kickInBackground(true);
    const onVisible = () => {
      if (document.visibilityState === 'visible') kickInBackground();
    };
    addEventListener('online', onOnline);
    document.addEventListener('visibilitychange', onVisible);
    cleanups.push(() => removeEventListener('online', onOnline));
    cleanups.push(() => document.removeEventListener('visibilitychange', onVisible));
    kickInBackground();
  }

  return {
    queue,
    async send(request) {
      const now = Date.now();
      const key = crypto.randomUUID();
      const headers = new Headers(request.headers);
      headers.set(IDEMPOTENCY_KEY_HEADER, idempotencyKeyHeaderValue(key));
      if (request.account !== undefined) headers.set(ACCOUNT_HEADER, request.account);
      const item = createItem({
        id: crypto.randomUUID(),
        idempotencyKey: key,
        queue,
        label: request.label ?? null,
        now,
        ...(request.account === undefined ? {} : { account: request.account }),
        request: await storableRequest(
          new URL(request.url, location.href).href,
          (request.method ?? 'POST').toUpperCase(),
          headers,
          request.body ?? null,
        ),
      });
      await store.add(item);
      if (!persistAsked) {
        persistAsked = true;
        // User data: ask once that the browser never evicts it under storage pressure (docs/decisions.md).
        navigator.storage?.persist?.().catch(() => {});
      }
      kickInBackground();
      return item.id;
    },
    list: () => store.list(queue),
    subscribe(listener) {
      // One read at a time: a burst of changes (a worker replaying hundreds of items) costs one more read after
      // the current one, not one read per change.
      let reading = false;
      let stale = false;
      let active = true;
      const refresh = () => {
        if (reading) {
          stale = true;
          return;
        }
        reading = true;
        stale = false;
        void store
          .list(queue)
          .then((items) => {
            if (active) listener(items);
          })
          .finally(() => {
            reading = false;
            if (stale && active) refresh();
          });
      };
      const unsubscribe = store.subscribe((change) => {
        if (change.queue === queue) refresh();
      });
      refresh();
      return () => {
        active = false;
        unsubscribe();
      };
    },
    async retry(id) {
      const updated = await store.update(id, (item) => retryNow(item, Date.now()));
      if (!updated) throw new OutboxActionError(`no outbox item ${id}`);
      await kick();
    },
    async cancel(id) {
      const removed = await store.remove(id, (item) => assertCancellable(item, Date.now()));
      if (!removed) throw new OutboxActionError(`no outbox item ${id}`);
    },
    async resume(account) {
      const count = await store.updateAll(queue, (item) => resumeAfterSignIn(item, Date.now(), account));
      if (count > 0) await kick();
      return count;
    },
    replay: () => kick(),
    close() {
      clearTimeout(retryTimer);
      for (const cleanup of cleanups.splice(0)) cleanup();
      store.close();
    },
  };
}

/**
 * The request as it is stored: what `fetch` would send, worked out by a `Request` built from it (FormData's
 * multipart body and boundary, URLSearchParams' form encoding, a Blob's type), so the replay, which sends the
 * stored bytes, sends the same. A string stays a string; a stream is read to the end first (Firefox has no
 * streaming request bodies). A GET or HEAD with a body is refused here, as `fetch` would refuse it.
 */
async function storableRequest(
  url: string,
  method: string,
  headers: Headers,
  body: BodyInit | null,
): Promise<StoredRequest> {
  const source = body instanceof ReadableStream ? await new Response(body).arrayBuffer() : body;
  const request = new Request(url, { method, headers, body: source });
  return {
    url,
    method,
    headers: [...request.headers],
    body: source === null || typeof source === 'string' ? source : await request.arrayBuffer(),
  };
}
