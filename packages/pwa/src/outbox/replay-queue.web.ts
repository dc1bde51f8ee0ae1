import type { BackoffOptions } from './backoff.js';
import type { OutboxRecord } from './item.js';
import type { OutboxReplayStore } from './outbox-database.web.js';
import { classifyResponse, networkFailure, type Outcome } from './response-outcome.js';
import type { ClaimOptions, OutcomeOptions } from './transitions.js';

/** Settings of the replay loop; the defaults suit a mail-like app. */
export interface ReplayOptions {
  /** How long one attempt may take before it counts as a network failure. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long a claim keeps other replayers away; always longer than `requestTimeoutMs`. Default timeout + 15 s. */
  leaseMs?: number;
  /** Items waiting longer than this become failed (kept, with the reason). Default 7 days. */
  retentionMs?: number;
  /** Sent items are removed from the outbox this long after they were sent. Default 1 day. */
  keepSentMs?: number;
  /** A replay waits itself for a head item's backoff or another replayer's lease ending within this long. Default 30 s. */
  maxInlineWaitMs?: number;
  backoff?: BackoffOptions;
  /**
   * The network just came back: items whose last attempt got no answer skip their backoff once (see
   * `ClaimOptions.reconnected`). Default false.
   */
  reconnected?: boolean;
  /**
   * The Web Locks API (`navigator.locks`), or null where there is none. Replayers of a queue take turns holding
   * its lock, so a lease left by a dead replayer is recognised at once. Default `navigator.locks` if present.
   */
  locks?: QueueLocks | null;
  /** The fetch used for attempts (tests inject one). Default the global fetch. */
  fetch?: (request: Request) => Promise<Response>;
  now?: () => number;
  random?: () => number;
}

/** The part of the Web Locks API a replay uses (`navigator.locks` in pages and workers). */
export interface QueueLocks {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<ReplayResult>,
  ): Promise<ReplayResult>;
}

/** How a replay of one queue ended. */
export interface ReplayResult {
  /** Items the server accepted during this replay. */
  sent: number;
  /** Attempts made. */
  attempts: number;
  /**
   * `idle`: nothing left to send; `busy`: another replayer holds the head item until `nextAttemptAt`;
   * `waiting`: the head item backs off until `nextAttemptAt`. (Shorter waits than `maxInlineWaitMs` are waited.)
   */
  ended: 'idle' | 'busy' | 'waiting';
  nextAttemptAt: number | null;
}

const DAY_MS = 86_400_000;
/**
 * Longest response body read (the stored response, or the answer behind a refusal); the rest is cancelled. 64 KiB,
 * written as a literal: esbuild keeps `64 * 1024` in every worker that imports `@outpost/pwa/sw`, outbox or not.
 */
const MAX_BODY_BYTES = 65_536;

/**
 * Sends the open items of `queue` one at a time in enqueue order until the queue is empty, another replayer holds
 * it, or its head backs off for longer than `maxInlineWaitMs`. `owner` names this replayer in leases (one random
 * id per page or worker instance). Safe to run from any number of contexts at once: claims are atomic, and a
 * claim's lease keeps everyone else off the queue until the attempt is recorded or the lease runs out.
 */
export async function replayQueue(
  store: OutboxReplayStore,
  queue: string,
  owner: string,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 30_000;
  const now = options.now ?? Date.now;
  // One object serves every claim and outcome of this replay; only this replay sees it, so it may change.
  const settings: ClaimOptions & OutcomeOptions = {
    leaseMs: options.leaseMs ?? requestTimeoutMs + 15_000,
    retentionMs: options.retentionMs ?? 7 * DAY_MS,
    reconnected: options.reconnected,
    backoff: options.backoff ?? {},
    random: options.random ?? Math.random,
  };
  const locks =
    options.locks === undefined
      ? (globalThis as { navigator?: { locks?: QueueLocks } }).navigator?.locks
      : options.locks;

  const drain = async (othersGone: boolean): Promise<ReplayResult> => {
    const result: ReplayResult = { sent: 0, attempts: 0, ended: 'idle', nextAttemptAt: null };
    settings.othersGone = othersGone;
    await store.sweep(queue, now(), settings.retentionMs, options.keepSentMs ?? DAY_MS);
    let step = await store.claimNext(queue, owner, now(), settings);
    // The waiver applies to the first claim only: an attempt that fails again now backs off as usual.
    settings.reconnected = false;
    for (;;) {
      if (step.kind === 'idle') return result;
      if (step.kind === 'claim') {
        result.attempts++;
        const outcome = await attempt(step.item, options.fetch ?? fetch, requestTimeoutMs, now);
        const settled = await store.settleAndClaimNext(step.item, owner, outcome, now(), settings);
        // Only a success is stored as sent, and only once: a repeat finds the item sent and changes nothing.
        if (settled.stored?.state === 'sent') result.sent++;
        step = settled.next;
        continue;
      }
      // Busy: another replayer holds the head, alive (it will go on) or dead mid-request (its lease runs out).
      // Waiting: the head backs off. Either way the head is claimable 1 ms after `until`, or later than we may
      // wait; the step's kind is then how the replay ended.
      const delay = step.until - now();
      if (delay > maxInlineWaitMs) {
        result.ended = step.kind;
        result.nextAttemptAt = step.until;
        return result;
      }
      await new Promise((resolve) => setTimeout(resolve, delay + 1));
      step = await store.claimNext(queue, owner, now(), settings);
    }
  };

  if (!locks) return drain(false);
  // Wait for a live replayer to finish (it may be about to stop just as a new item arrives), but not forever.
  const signal = AbortSignal.timeout(maxInlineWaitMs + settings.leaseMs);
  try {
    return await locks.request(`outpost-outbox:${queue}`, { signal }, () => drain(true));
  } catch (error) {
    if (!signal.aborted) throw error;
    return { sent: 0, attempts: 0, ended: 'busy', nextAttemptAt: now() + settings.leaseMs };
  }
}

/** Sends an item once and classifies what came back. Never throws: a failure is an outcome. */
async function attempt(
  item: OutboxRecord,
  send: (request: Request) => Promise<Response>,
  timeoutMs: number,
  now: () => number,
): Promise<Outcome> {
  // Method, headers and body as stored; credentials stay the Request default, same-origin.
  const { url, ...init } = item.request;
  try {
    const response = await send(
      new Request(url, { ...init, cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) }),
    );
    const header = (name: string) => response.headers.get(name);
    return classifyResponse(
      {
        status: response.status,
        retryAfter: header('retry-after'),
        body: await readText(response.body),
        contentType: header('content-type'),
      },
      now(),
    );
  } catch (error) {
    return networkFailure(error);
  }
}

/** At most {@link MAX_BODY_BYTES} of a body as text; a body that breaks off mid-way keeps what arrived. */
async function readText(body: Response['body']): Promise<string> {
  const reader = body?.getReader();
  // Decoded as it arrives, in the worker: a Blob would cost a round trip to the browser's blob store.
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  try {
    while (reader && size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The body broke off; the status already says what happened.
  }
  reader?.cancel().catch(() => {});
  return (text + decoder.decode()).slice(0, MAX_BODY_BYTES);
}
