import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { Lease, OutboxItem, OutboxRecord, StoredRequest } from './item.js';
import type { Outcome } from './response-outcome.js';

/**
 * The outbox's state machine as pure functions: each takes an item (and the time) and returns the item to store,
 * or a decision. The store applies them inside IndexedDB transactions; tests drive them directly.
 *
 * ```
 *  enqueue -> pending --claim--> sending --2xx--------------> sent
 *               ^  ^                | --401----------------> needs-sign-in --resume/retry--> pending
 *               |  +--retryable-----+ --other 4xx----------> failed --retry--> pending
 *               |                   | (lease runs out: claimable again)
 *               +-- cancel (pending, failed, needs-sign-in): removed
 *  pending/needs-sign-in older than the retention limit -> failed ("not sent within ...")
 * ```
 */

/** What the replay loop does with the head of a queue. */
export type NextStep =
  /** Nothing open in the queue. */
  | { kind: 'idle' }
  /** The head is being sent by another replayer whose lease runs until `until`. */
  | { kind: 'busy'; until: number }
  /** The head waits for its backoff until `until`; items keep their order, so the queue waits with it. */
  | { kind: 'waiting'; until: number }
  /** The head outlived the retention limit: store `item` (failed) and look at the next one. */
  | { kind: 'expire'; item: OutboxRecord }
  /** Store `item` (claimed under this replayer's lease) and send it. */
  | { kind: 'claim'; item: OutboxRecord };

/** What {@link nextStep} leads to once outlived heads are stored as failed: what a claim tells the replay loop. */
export type ClaimStep = Exclude<NextStep, { kind: 'expire' }>;

/** Limits the replay loop works with. */
export interface ClaimOptions {
  /** How long a claim keeps other replayers off the item; must outlast a request. */
  leaseMs: number;
  /** Items not sent within this long after enqueue become failed. */
  retentionMs: number;
  /**
   * The network just came back (an `online` event, a Background Sync event): items whose last attempt got no
   * answer at all are due now instead of after their backoff. A server's own "later" (5xx, 429) still holds.
   */
  reconnected?: boolean;
  /**
   * This replayer holds the queue's Web Lock, which every live replayer of the origin holds while it sends: a
   * lease of another owner then belongs to a replayer that died (a stopped worker, a closed tab) and is taken
   * over at once instead of after it runs out.
   */
  othersGone?: boolean;
}

/** A new pending item. `id` and `idempotencyKey` are UUIDs made by the caller now, at enqueue. */
export function createItem(fields: {
  id: string;
  idempotencyKey: string;
  queue: string;
  request: StoredRequest;
  label: unknown;
  now: number;
  account?: string;
}): OutboxItem {
  return {
    id: fields.id,
    ...(fields.account === undefined ? {} : { account: fields.account }),
    queue: fields.queue,
    idempotencyKey: fields.idempotencyKey,
    request: fields.request,
    label: fields.label,
    state: 'pending',
    attempts: 0,
    createdAt: fields.now,
    activeSince: fields.now,
    updatedAt: fields.now,
    nextAttemptAt: fields.now,
    lease: null,
    lastError: null,
    reason: null,
    status: null,
    sentAt: null,
    response: null,
  };
}

/** Whether an item outlived the retention limit while still waiting to be sent. */
export function isExpired(item: OutboxRecord, now: number, retentionMs: number): boolean {
  // Waiting: pending, needs-sign-in, or sending under a lease that ran out.
  const waiting = item.state === 'sending' ? !leaseIsLive(item, now) : item.state !== 'sent' && item.state !== 'failed';
  return waiting && item.activeSince + retentionMs <= now;
}

/**
 * The item marked failed for having outlived the retention limit. Its reason is recorded as the span itself, in
 * milliseconds, which the page words (`not sent within 7 days; …`, see `describeReason` in words.ts): the wording
 * stays out of the worker's bundle.
 */
export function expire(item: OutboxRecord, now: number, retentionMs: number): OutboxRecord {
  return { ...item, state: 'failed', lease: null, reason: retentionMs, updatedAt: now };
}

function leaseIsLive(item: OutboxRecord, now: number): boolean {
  return (item.lease?.until ?? 0) > now;
}

/**
 * What to do with `head`, the first open (pending or sending) item of a queue in enqueue order. Order is kept:
 * a head that waits or is being sent holds the queue, so two replayers never send at once and never reorder.
 */
export function nextStep(head: OutboxRecord | undefined, owner: string, now: number, options: ClaimOptions): NextStep {
  if (!head) return { kind: 'idle' };
  if (isExpired(head, now, options.retentionMs))
    return { kind: 'expire', item: expire(head, now, options.retentionMs) };
  const deadHolder = options.othersGone && head.lease?.owner !== owner;
  if (head.state === 'sending' && leaseIsLive(head, now) && !deadHolder) {
    return { kind: 'busy', until: (head.lease as Lease).until };
  }
  const backoffWaived = options.reconnected && head.status === null;
  if (head.state === 'pending' && head.nextAttemptAt > now && !backoffWaived) {
    return { kind: 'waiting', until: head.nextAttemptAt };
  }
  // Pending and due, or sending under a lease that ran out or whose holder is gone (its replayer died
  // mid-request: the outcome is unknown, and the same Idempotency-Key makes sending again safe).
  return {
    kind: 'claim',
    item: {
      ...head,
      state: 'sending',
      attempts: head.attempts + 1,
      lease: { owner, until: now + options.leaseMs },
      updatedAt: now,
    },
  };
}

/** Randomness and backoff settings for {@link applyOutcome}. */
export interface OutcomeOptions {
  backoff: BackoffOptions;
  random: () => number;
}

/**
 * The item after `owner`'s attempt ended with `outcome`, or null to leave it as it is: a `sent` item never
 * changes again, and an owner whose lease was taken over only records a success (the truth wins; anything else
 * is the new owner's to record).
 */
export function applyOutcome(
  item: OutboxRecord,
  owner: string,
  outcome: Outcome,
  now: number,
  options: OutcomeOptions,
): OutboxRecord | null {
  if (item.state === 'sent') return null;
  const owns = item.state === 'sending' && item.lease?.owner === owner;
  if (!owns && outcome.kind !== 'sent') return null;
  const { kind, status } = outcome;
  const base = { ...item, state: kind === 'retry' ? 'pending' : kind, status, lease: null, updatedAt: now } as const;
  // The body is at most 64 KiB already: the replay reads no more of it.
  if (kind === 'sent') return { ...base, sentAt: now, reason: null, response: outcome.body };
  if (kind === 'retry') {
    const delay = backoffDelay(item.attempts, options.backoff, options.random, outcome.retryAfterMs);
    return { ...base, lastError: outcome.error, nextAttemptAt: now + delay };
  }
  // needs-sign-in and failed: the state is the outcome's kind, with the server's reason.
  return { ...base, reason: outcome.reason };
}

/** Why a user action was refused. */
export class OutboxActionError extends Error {
  override readonly name = 'OutboxActionError';
}

/**
 * The item after the user asked to retry it now: `failed` and `needs-sign-in` go back to pending (the same
 * Idempotency-Key, so a retry can never make a second copy), a `pending` one loses its backoff.
 *
 * @throws OutboxActionError when the item is being sent or already sent.
 */
export function retryNow<T extends OutboxRecord>(item: T, now: number): T {
  if (item.state === 'sent') throw new OutboxActionError('this item was already sent');
  if (item.state === 'sending' && leaseIsLive(item, now)) throw new OutboxActionError('this item is being sent');
  // A retry restarts the retention clock: the user just said they still want it sent.
  return { ...item, state: 'pending', nextAttemptAt: now, lease: null, reason: null, activeSince: now, updatedAt: now };
}

/** The item after sign-in: `needs-sign-in` goes back to pending, anything else is left alone (null). */
export function resumeAfterSignIn<T extends OutboxRecord>(item: T, now: number, account?: string): T | null {
  if (item.state !== 'needs-sign-in') return null;
  // Another account's item keeps waiting for its own account.
  if (account !== undefined && item.account !== undefined && item.account !== account) return null;
  return { ...item, state: 'pending', nextAttemptAt: now, reason: null, updatedAt: now };
}

/**
 * Checks that an item may be cancelled (removed): anything not sent and not being sent.
 *
 * @throws OutboxActionError when the item is being sent (its request may already be at the server) or sent.
 */
export function assertCancellable(item: OutboxRecord, now: number): void {
  if (item.state === 'sent') throw new OutboxActionError('this item was already sent');
  if (item.state === 'sending' && leaseIsLive(item, now)) {
    throw new OutboxActionError('this item is being sent and can no longer be cancelled');
  }
}
