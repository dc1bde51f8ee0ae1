/** Limits of one runtime cache. At least one must be set. */
export interface ExpirationPolicy {
  /** Keep at most this many entries; the least recently used go first. */
  maxEntries?: number;
  /** Drop entries not used for this long. */
  maxAgeSeconds?: number;
}

/**
 * The persistent side of expiration for ONE cache: a URL -> last-used-time index, ordered by time. Every
 * method must cost in proportion to what it returns or changes, never to the size of the cache; that is what
 * keeps expiration cheap at 10,000 entries. `expiration-index.sw.ts` implements it on IndexedDB.
 */
export interface ExpirationIndex {
  /** Sets the last-used time of each URL; resolves with how many URLs were not in the index before. */
  touch(times: ReadonlyMap<string, number>): Promise<number>;
  /** How many URLs the index holds. Called once per tracker lifetime (normally once per worker start). */
  count(): Promise<number>;
  /** Removes and returns the `n` least recently used URLs. */
  removeOldest(n: number): Promise<string[]>;
  /** Removes and returns every URL last used at or before `cutoff`; finding none costs one index lookup. */
  removeUsedBefore(cutoff: number): Promise<string[]>;
  /** Forgets every URL (the cache itself was dropped). */
  clear(): Promise<void>;
}

/** Thrown for a policy without limits or with limits that are not positive integers. */
export class ExpirationPolicyError extends Error {
  override readonly name = 'ExpirationPolicyError';
}

/** Validates a policy; returns it unchanged. */
export function checkExpirationPolicy(policy: ExpirationPolicy): ExpirationPolicy {
  const { maxEntries = 1, maxAgeSeconds = 1 } = policy;
  // One message for every way to get it wrong: the policy is printed, so the wrong part is visible.
  if (
    (policy.maxEntries ?? policy.maxAgeSeconds) === undefined ||
    !Number.isInteger(maxEntries) ||
    maxEntries < 1 ||
    !(maxAgeSeconds > 0)
  ) {
    throw new ExpirationPolicyError(
      `${JSON.stringify(policy)} needs maxEntries (a positive integer), maxAgeSeconds (positive) or both`,
    );
  }
  return policy;
}

/**
 * The bookkeeping of one cache's expiration. Uses are recorded in memory and written to the index in one
 * batch per {@link flush}; the tracker keeps the entry count in memory, so a flush only asks the index for
 * entries that really have to go:
 * - over `maxEntries`: exactly the surplus, oldest first;
 * - past `maxAgeSeconds`: the expired ones, found from the low end of the time index (none: one lookup).
 *
 * @example
 * ```ts
 * const tracker = new ExpirationTracker(index, { maxEntries: 50, maxAgeSeconds: 86_400 });
 * tracker.record(request.url);
 * const evicted = await tracker.flush(); // delete these URLs from the cache
 * ```
 */
export class ExpirationTracker {
  readonly policy: ExpirationPolicy;
  readonly #index: ExpirationIndex;
  readonly #now: () => number;
  #pending = new Map<string, number>();
  #entries: number | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(index: ExpirationIndex, policy: ExpirationPolicy, now: () => number = Date.now) {
    this.#index = index;
    this.policy = checkExpirationPolicy(policy);
    this.#now = now;
  }

  /**
   * Notes that `url` was written or served now. Cheap: nothing is stored until {@link flush}. True when this
   * use starts a new batch, so the caller schedules one flush per batch.
   */
  record(url: string): boolean {
    const first = !this.#pending.size;
    this.#pending.set(url, this.#now());
    return first;
  }

  /**
   * Writes recorded uses and evicts what the policy no longer allows. Resolves with the evicted URLs, which
   * the caller deletes from the cache. Flushes run one after another, never interleaved.
   */
  flush(): Promise<string[]> {
    return this.#serially(() => this.#flushNow());
  }

  /** Forgets everything (after the cache was deleted, for example to free quota). */
  reset(): Promise<void> {
    return this.#serially(async () => {
      this.#pending.clear();
      await this.#index.clear();
      this.#entries = 0;
    });
  }

  /**
   * Whether a response last validated at `dateMs` (its `Date` header) is still within `maxAgeSeconds`. A
   * response without a readable date (undefined or NaN) counts as fresh: its age is unknown, and its last use is
   * what the index expires it by.
   */
  isFresh(dateMs: number | undefined): boolean {
    const { maxAgeSeconds } = this.policy;
    if (maxAgeSeconds === undefined || dateMs === undefined || Number.isNaN(dateMs)) return true;
    return dateMs > this.#now() - maxAgeSeconds * 1000;
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #flushNow(): Promise<string[]> {
    const index = this.#index;
    this.#entries ??= await index.count();
    const batch = this.#pending;
    this.#pending = new Map();
    if (batch.size > 0) this.#entries += await index.touch(batch);
    const { maxEntries, maxAgeSeconds } = this.policy;
    const evicted = maxAgeSeconds ? await index.removeUsedBefore(this.#now() - maxAgeSeconds * 1000) : [];
    const surplus = maxEntries === undefined ? 0 : this.#entries - evicted.length - maxEntries;
    if (surplus > 0) evicted.push(...(await index.removeOldest(surplus)));
    this.#entries -= evicted.length;
    return evicted;
  }
}
