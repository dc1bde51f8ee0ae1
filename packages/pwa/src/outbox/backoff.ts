/** How retries spread out. */
export interface BackoffOptions {
  /** Delay after the first failed attempt. Default 1 s. */
  baseMs?: number;
  /** Upper bound of any delay. Default 5 minutes. */
  maxMs?: number;
}

/**
 * Delay before the next attempt after `attempts` failed ones: exponential (base x 2^(attempts-1)) capped at
 * `maxMs`, with "equal jitter" (between half and all of it) so many clients coming back online together do not
 * retry in lockstep, yet none retries sooner than half the schedule. A server's Retry-After wins when longer.
 *
 * @example
 * ```ts
 * backoffDelay(3, {}, Math.random, 0);        // between 2 s and 4 s
 * backoffDelay(1, {}, Math.random, 30_000);   // 30 s: the server asked for it
 * ```
 */
export function backoffDelay(
  attempts: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs: number | null,
): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 5 * 60_000;
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(max, base * 2 ** exponent);
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
