import { PushRequestError } from './errors.js';

/** How a failed send (429, 5xx, network error) is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt; 3 by default, 0 disables retrying. */
  retries?: number;
  /** First backoff; doubles each retry. 250 ms by default. */
  baseDelayMs?: number;
  /** Cap on one backoff. 10 s by default. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the result is returned at once. 60 s by default. */
  maxRetryAfterMs?: number;
}

/** A retry policy with every field filled in and checked. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** Fills defaults and checks a retry policy. */
export function resolveRetryPolicy(policy: RetryPolicy | false | undefined): ResolvedRetryPolicy {
  const resolved = {
    retries: policy === false ? 0 : (policy?.retries ?? 3),
    baseDelayMs: (policy || undefined)?.baseDelayMs ?? 250,
    maxDelayMs: (policy || undefined)?.maxDelayMs ?? 10_000,
    maxRetryAfterMs: (policy || undefined)?.maxRetryAfterMs ?? 60_000,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new PushRequestError('invalid-option', `retry.${name} must be a number >= 0, got ${value}`);
    }
  }
  return resolved;
}

/**
 * The wait before retry number `retry` (1-based): exponential backoff with "equal jitter" (half fixed, half random), so a thousand senders
 * rejected together do not come back together, but never less than the service's Retry-After.
 * Returns undefined when the service asks for a longer wait than the policy allows.
 */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const backoff = ceiling / 2 + (random() * ceiling) / 2;
  return Math.max(backoff, retryAfterMs ?? 0);
}
