/** A token-bucket rate: `burst` messages at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-subscription token buckets, held in memory on each node (so with N nodes a sender can reach N times the rate;
 * the limit protects a node and a user agent, it is not an accounting quota).
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one token for `key`; returns 0 when allowed, otherwise the seconds until one is available. */
  take(key: string, now = Date.now()): number {
    const { perSecond, burst } = this.limit;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Forgets buckets that have refilled completely, so memory follows active senders only. */
  prune(now = Date.now()): void {
    const { perSecond, burst } = this.limit;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.#buckets.delete(key);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}
