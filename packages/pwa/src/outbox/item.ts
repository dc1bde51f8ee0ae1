/**
 * Where an outbox item stands:
 * - `pending`: waiting to be sent (now, or after its backoff);
 * - `sending`: claimed by one replayer under a lease;
 * - `sent`: the server answered 2xx (or replayed a stored 2xx);
 * - `failed`: the server refused it for good (a 4xx with its reason), or it outlived the retention limit;
 * - `needs-sign-in`: the server answered 401, or 403 because another account is signed in; it waits for
 *   `resume()` after its own account signs in.
 */
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'needs-sign-in';

/** The request as stored: everything needed to send it again from another context, days later. */
export interface StoredRequest {
  /** Absolute URL. */
  url: string;
  method: string;
  /** Header pairs, `Idempotency-Key` included. */
  headers: [string, string][];
  body: string | ArrayBuffer | null;
}

/** A claim on an item: until `until`, only `owner` may send it. */
export interface Lease {
  owner: string;
  until: number;
}

/** One queued request and what happened to it. Times are epoch milliseconds. */
export interface OutboxItem {
  /** A UUID made when the request was queued. */
  id: string;
  queue: string;
  /**
   * The account that queued the request, sent with every attempt as `Outpost-Account`: the server refuses it in
   * any other account's session. Absent when the app gave none.
   */
  account?: string;
  /** The `Idempotency-Key` sent with every attempt: made at enqueue, never at replay. */
  idempotencyKey: string;
  request: StoredRequest;
  /** Whatever the app wants to show for the item (e.g. a mail's recipient and subject); structured-cloneable. */
  label: unknown;
  state: OutboxState;
  /** Attempts started so far (a claim counts as an attempt, answered or not). */
  attempts: number;
  createdAt: number;
  /** Start of the retention period: enqueue, or the user's last retry. */
  activeSince: number;
  updatedAt: number;
  /** A `pending` item is not sent before this (backoff and Retry-After). */
  nextAttemptAt: number;
  lease: Lease | null;
  /** The last attempt's failure as the client saw it (network error, timeout, HTTP status). */
  lastError: string | null;
  /** The server's own words for a refusal (its JSON `message`/`detail`/`title`, or the text body). */
  reason: string | null;
  /** The last HTTP status received, if any. */
  status: number | null;
  sentAt: number | null;
  /** The body of the successful response (text, at most 64 KiB), e.g. the id of what the server created. */
  response: string | null;
}

/**
 * A non-2xx response as a replayer records it: the facts, unworded. The page puts them into the words it shows
 * (`reason`, `lastError`) when it reads the item, so that wording stays out of the service worker's bundle.
 */
export interface ServerAnswer {
  status: number;
  /** The `Content-Type` header, if any. */
  contentType: string | null;
  /** The body as text (at most 64 KiB). */
  body: string;
}

/** A `reason` or `lastError` as recorded: words, or a server's answer that the page words when it reads it. */
export type Recorded = string | ServerAnswer;

/**
 * An item as replayers store it: its `reason` and `lastError` may still be facts for the page to word when it
 * reads the item (every `OutboxItem` a page reads has them in words).
 */
export interface OutboxRecord extends Omit<OutboxItem, 'lastError' | 'reason'> {
  lastError: Recorded | null;
  /** Or, for an item that outlived the retention limit, that limit in milliseconds. */
  reason: Recorded | number | null;
}

/** States a replay still has to act on. `failed`, `sent` and `needs-sign-in` wait for the user or nothing. */
export function isOpen(state: OutboxState): boolean {
  return state === 'pending' || state === 'sending';
}

/** The Background Sync tag of a queue (one tag per queue). */
export function syncTag(queue: string): string {
  return `outpost-outbox:${queue}`;
}

/** The queue a sync tag belongs to, or null if the tag is not an outbox tag. */
export function queueOfSyncTag(tag: string): string | null {
  return tag.startsWith('outpost-outbox:') ? tag.slice('outpost-outbox:'.length) : null;
}

/** A queue name: 1-64 characters of letters, digits, `-`, `_`, `.`. */
export function isValidQueueName(queue: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(queue);
}
