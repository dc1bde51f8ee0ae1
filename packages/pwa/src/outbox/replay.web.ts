import type { BackoffOptions } from './backoff.js';
import type { OutboxItem } from './item.js';
import { classifyResponse, networkFailure, type Outcome } from './outcome.js';
import type { OutboxReplayStore } from './replay-store.web.js';
import { REPLAYED_HEADER } from './wire.js';

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
/** Longest response body read (for the reason or the stored response); the rest is cancelled. */
const MAX_BODY_BYTES = 64 * 1024;

/** `options` with every default filled in. */
export function replaySettings(options: ReplayOptions) {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  return {
    requestTimeoutMs,
    leaseMs: options.leaseMs ?? requestTimeoutMs + 15_000,
    retentionMs: options.retentionMs ?? 7 * DAY_MS,
    keepSentMs: options.keepSentMs ?? DAY_MS,
    maxInlineWaitMs: options.maxInlineWaitMs ?? 30_000,
    reconnected: options.reconnected ?? false,
    backoff: options.backoff ?? {},
    fetch: options.fetch ?? ((request: Request) => fetch(request)),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
}

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
  const settings = replaySettings(options);
  const locks =
    options.locks === undefined
      ? ((globalThis as { navigator?: { locks?: QueueLocks } }).navigator?.locks ?? null)
      : options.locks;
  if (!locks) return drain(store, queue, owner, settings, false);
  // Wait for a live replayer to finish (it may be about to stop just as a new item arrives), but not forever.
  const signal = AbortSignal.timeout(settings.maxInlineWaitMs + settings.leaseMs);
  try {
    return await locks.request(`outpost-outbox:${queue}`, { signal }, () => drain(store, queue, owner, settings, true));
  } catch (error) {
    if (!signal.aborted) throw error;
    return { sent: 0, attempts: 0, ended: 'busy', nextAttemptAt: settings.now() + settings.leaseMs };
  }
}

async function drain(
  store: OutboxReplayStore,
  queue: string,
  owner: string,
  settings: ReturnType<typeof replaySettings>,
  othersGone: boolean,
): Promise<ReplayResult> {
  const result: ReplayResult = { sent: 0, attempts: 0, ended: 'idle', nextAttemptAt: null };
  await store.sweep(queue, settings.now(), settings.retentionMs, settings.keepSentMs);
  // The waiver applies to the first claim only: an attempt that fails again now backs off as usual.
  const claimOptions = { ...settings, othersGone, reconnected: false };
  let step = await store.claimNext(queue, owner, settings.now(), {
    ...claimOptions,
    reconnected: settings.reconnected,
  });
  for (;;) {
    if (step.kind === 'idle') return { ...result, ended: 'idle' };
    if (step.kind === 'busy' || step.kind === 'wait') {
      // Busy: another replayer holds the head, alive (it will go on) or dead mid-request (its lease runs out).
      const delay = step.until - settings.now();
      if (delay > settings.maxInlineWaitMs) {
        return { ...result, ended: step.kind === 'busy' ? 'busy' : 'waiting', nextAttemptAt: step.until };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, delay) + (step.kind === 'busy' ? 1 : 0)));
      step = await store.claimNext(queue, owner, settings.now(), claimOptions);
      continue;
    }
    if (step.kind === 'expire') {
      step = await store.claimNext(queue, owner, settings.now(), claimOptions);
      continue;
    }
    result.attempts++;
    const outcome = await attempt(step.item, settings);
    const settled = await store.settleAndClaimNext(step.item, owner, outcome, settings.now(), claimOptions);
    if (outcome.kind === 'sent' && settled.stored?.state === 'sent') result.sent++;
    step = settled.next;
  }
}

/** Sends an item once and classifies what came back. Never throws: a failure is an outcome. */
export async function attempt(
  item: OutboxItem,
  settings: Pick<ReturnType<typeof replaySettings>, 'fetch' | 'requestTimeoutMs' | 'now'>,
): Promise<Outcome> {
  try {
    const request = new Request(item.request.url, {
      method: item.request.method,
      headers: item.request.headers,
      body: item.request.body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
    const response = await settings.fetch(request);
    const body = await readText(response, MAX_BODY_BYTES);
    return classifyResponse(
      {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        replayed: response.headers.get(REPLAYED_HEADER),
        body,
        contentType: response.headers.get('content-type'),
      },
      settings.now(),
    );
  } catch (error) {
    return networkFailure(error);
  }
}

/** At most `limit` bytes of a body as text; a body that breaks off mid-way keeps what arrived. */
async function readText(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The body broke off; the status already says what happened.
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.byteLength - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
