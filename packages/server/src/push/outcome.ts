import type { SendResult } from '@outpost/webpush';

/** How the queue retries a job the push service could not take now (429, 5xx, network error). */
export interface QueueRetryPolicy {
  /** Attempts in all, the first included, before the job is dead-lettered. Default 8. */
  maxAttempts?: number;
  /** Backoff before the second attempt; doubles per attempt. Default 1 s. */
  baseDelayMs?: number;
  /** Cap on one backoff. Default 10 minutes. */
  maxDelayMs?: number;
  /** A Retry-After longer than this dead-letters the job at once. Default 1 hour. */
  maxRetryAfterMs?: number;
}

/** A policy with every field filled in. */
export type ResolvedQueueRetryPolicy = Required<QueueRetryPolicy>;

/** Fills in the defaults of a retry policy and checks it. */
export function resolveQueueRetryPolicy(policy: QueueRetryPolicy = {}): ResolvedQueueRetryPolicy {
  const resolved = {
    maxAttempts: policy.maxAttempts ?? 8,
    baseDelayMs: policy.baseDelayMs ?? 1000,
    maxDelayMs: policy.maxDelayMs ?? 10 * 60_000,
    maxRetryAfterMs: policy.maxRetryAfterMs ?? 60 * 60_000,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`retry.${name} must be a number >= 0, got ${value}`);
  }
  if (resolved.maxAttempts < 1) throw new TypeError('retry.maxAttempts must be at least 1');
  return resolved;
}

/** What the queue does with a job after one attempt. */
export type JobOutcome =
  /** Delivered: delete the job. */
  | { kind: 'sent' }
  /** 404/410 or unusable keys: delete the subscription (and its queued jobs). */
  | { kind: 'gone'; reason: string }
  /** 413 or another 4xx: sending again cannot help; keep the job as `failed` with the reason. */
  | { kind: 'failed'; reason: string }
  /** 429, 5xx, network: try again at `runAt`. */
  | { kind: 'retry'; runAt: number; reason: string }
  /** Retries used up, or Retry-After beyond the limit: keep the job as `dead` with the reason. */
  | { kind: 'dead'; reason: string }
  /** The next attempt would be after the message's TTL: drop it, it must never arrive late. */
  | { kind: 'expired'; reason: string };

/**
 * The wait before attempt `attempts + 1`: exponential backoff with equal jitter (half fixed, half random, so jobs
 * refused together do not come back together), never less than the push service's Retry-After.
 */
export function backoffDelay(
  policy: ResolvedQueueRetryPolicy,
  attempts: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(ceiling / 2 + (random() * ceiling) / 2, retryAfterMs ?? 0);
}

/**
 * Decides what a send result means for its job. `attempts` counts the attempt just made; `expiresAt` is when the
 * message's TTL runs out (epoch ms). Pure.
 */
export function jobOutcome(
  result: SendResult,
  job: { attempts: number; expiresAt: number },
  now: number,
  policy: ResolvedQueueRetryPolicy,
  random: () => number = Math.random,
): JobOutcome {
  switch (result.result) {
    case 'delivered':
      return { kind: 'sent' };
    case 'expired':
      return { kind: 'gone', reason: `HTTP ${result.status}: ${result.reason}` };
    case 'invalid':
      return { kind: 'gone', reason: `${result.code}: ${result.reason}` };
    case 'too-large':
    case 'rejected':
      return { kind: 'failed', reason: `HTTP ${result.status}: ${result.reason}` };
    default: {
      const reason = result.status ? `HTTP ${result.status}: ${result.reason}` : result.reason;
      const retryAfterMs =
        result.result === 'rate-limited' && result.retryAfterSeconds !== undefined
          ? result.retryAfterSeconds * 1000
          : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
        return { kind: 'dead', reason: `${reason} (Retry-After ${retryAfterMs / 1000} s is beyond the limit)` };
      }
      if (job.attempts >= policy.maxAttempts) {
        return { kind: 'dead', reason: `${reason} (gave up after ${job.attempts} attempts)` };
      }
      // Whole milliseconds: run_at is a bigint column.
      const runAt = Math.ceil(now + backoffDelay(policy, job.attempts, retryAfterMs, random));
      if (runAt >= job.expiresAt) return { kind: 'expired', reason: `${reason} (the next attempt is past the TTL)` };
      return { kind: 'retry', runAt, reason };
    }
  }
}
