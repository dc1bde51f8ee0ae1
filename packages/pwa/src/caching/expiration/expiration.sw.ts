import type { StrategyPlugin } from '../strategies/plugin.sw.js';
import { deleteCache, onQuotaError, openCache, type StrategyHandler } from '../strategies/strategy.sw.js';
import { IndexedDbExpirationIndex } from './expiration-index.sw.js';
import { type ExpirationIndex, type ExpirationPolicy, ExpirationTracker } from './expiration-tracker.js';

/** Options of {@link expiration}. */
export interface ExpirationOptions extends ExpirationPolicy {
  /**
   * Delete this whole cache when a write anywhere fails with `QuotaExceededError` (what is cached here can
   * be fetched again; user data elsewhere cannot). Default false.
   */
  purgeOnQuotaError?: boolean;
  /** Where last-use times are kept; default IndexedDB (database `outpost-expiration`). For tests. */
  index?: (cacheName: string) => ExpirationIndex;
  now?: () => number;
}

/**
 * Limits a runtime cache by entry count (least recently used go first) and by age. Uses are batched in memory
 * and written to IndexedDB once per request's background work; evictions only touch the entries that go, so
 * the cost does not grow with the size of the cache. A cached response older than `maxAgeSeconds` (by its
 * `Date` header) is treated as missing.
 *
 * @example
 * ```ts
 * router.get('/api/news/*', new NetworkFirst({
 *   cacheName: 'news',
 *   plugins: [expiration({ maxEntries: 100, maxAgeSeconds: 7 * 86_400, purgeOnQuotaError: true })],
 * }));
 * ```
 */
export function expiration(options: ExpirationOptions): StrategyPlugin {
  const { index = (name: string) => new IndexedDbExpirationIndex(name) } = options;
  const trackers = new Map<string, ExpirationTracker>();
  const trackerFor = (cacheName: string, handler: StrategyHandler): ExpirationTracker => {
    let tracker = trackers.get(cacheName);
    if (!tracker) {
      // The options serve as the policy: the tracker reads only the limits from them.
      const made = new ExpirationTracker(index(cacheName), options, options.now);
      trackers.set(cacheName, made);
      const storage = handler.strategy.caches;
      if (options.purgeOnQuotaError) onQuotaError(() => deleteCache(storage, cacheName).then(() => made.reset()));
      tracker = made;
    }
    return tracker;
  };

  const recordAndFlush = ({ cacheName, request, handler }: UseParam): void => {
    const tracker = trackerFor(cacheName, handler);
    // One flush per batch of uses: a flush already scheduled will write this use too.
    if (!tracker.record(request.url)) return;
    handler.waitUntil(
      (async () => {
        const evicted = await tracker.flush();
        const cache = await openCache(handler.strategy.caches, cacheName);
        await Promise.all(evicted.map((url) => cache.delete(url)));
      })().catch(() => undefined),
    );
  };

  return {
    cachedResponseWillBeUsed(param) {
      const cached = param.cachedResponse;
      const date = cached?.headers.get('date');
      const dateMs = date ? Date.parse(date) : undefined;
      if (cached && trackerFor(param.cacheName, param.handler).isFresh(dateMs)) {
        recordAndFlush(param);
        return cached;
      }
      return undefined;
    },
    cacheDidUpdate: recordAndFlush,
  };
}

/** What both hooks get and a use needs. */
interface UseParam {
  cacheName: string;
  request: Request;
  handler: StrategyHandler;
}
