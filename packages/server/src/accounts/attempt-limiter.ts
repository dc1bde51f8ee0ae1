/** A limit of attempts per key: at most `max` in each window of `timeWindowMs`. */
export interface AttemptLimit {
  max: number;
  timeWindowMs: number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Counts attempts per key (an account name, say) in fixed windows, in memory. At most `maxKeys` keys are held:
 * past that the oldest window is dropped, so a flood of distinct keys costs bounded memory (it can only make the
 * limiter forget, never block someone it should not).
 */
export class AttemptLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #limit: AttemptLimit;
  readonly #maxKeys: number;

  constructor(limit: AttemptLimit, maxKeys = 10_000) {
    for (const [name, value] of [
      ['max', limit.max],
      ['timeWindowMs', limit.timeWindowMs],
      ['maxKeys', maxKeys],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new TypeError(`${name} must be a positive integer, got ${value}`);
    }
    this.#limit = limit;
    this.#maxKeys = maxKeys;
  }

  /** Milliseconds until `key` may try again, 0 when it may try now. */
  retryAfterMs(key: string, now: number): number {
    const window = this.#live(key, now);
    if (!window || window.count < this.#limit.max) return 0;
    return window.start + this.#limit.timeWindowMs - now;
  }

  /** Counts one attempt of `key`. */
  record(key: string, now: number): void {
    const window = this.#live(key, now);
    if (window) {
      window.count++;
      return;
    }
    this.#windows.set(key, { start: now, count: 1 });
    if (this.#windows.size > this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (!oldest.done) this.#windows.delete(oldest.value);
    }
  }

  /** Forgets `key` (after a success). */
  reset(key: string): void {
    this.#windows.delete(key);
  }

  #live(key: string, now: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window && window.start + this.#limit.timeWindowMs <= now) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }
}
