import { raceTimeout } from './network-timeout.sw.js';
import {
  Strategy,
  StrategyError,
  type StrategyErrorCode,
  type StrategyHandler,
  type StrategyOptions,
} from './strategy.sw.js';

/**
 * Cache first: a cached response if there is one, otherwise the network (and the response is cached). For
 * files that never change under one URL: hashed assets, fonts, media.
 *
 * @example
 * ```ts
 * router.get('/assets/*', new CacheFirst({ cacheName: 'assets', plugins: [expiration({ maxEntries: 200 })] }));
 * ```
 */
export class CacheFirst extends Strategy {
  protected async respond(handler: StrategyHandler): Promise<Response> {
    const cached = await handler.cacheMatch(handler.request);
    if (cached) return cached;
    try {
      return await handler.fetchAndCachePut(handler.request);
    } catch (error) {
      return failWith('no-response', handler.request, { cause: error });
    }
  }
}

/** Options of {@link NetworkFirst}. */
export interface NetworkFirstOptions extends StrategyOptions {
  /**
   * Answer from the cache when the network has not answered after this many seconds (a hanging connection is
   * worse than none). The network response still updates the cache when it arrives. Default: wait for it.
   */
  networkTimeoutSeconds?: number;
}

/**
 * Network first: the network's response (cached as it passes), the cached one when the network fails or is
 * slower than `networkTimeoutSeconds`. For data that should be fresh but must work offline.
 */
export class NetworkFirst extends Strategy<NetworkFirstOptions> {
  protected async respond(handler: StrategyHandler): Promise<Response> {
    const { request } = handler;
    const network = handler.fetchAndCachePut(request);
    const timeout = this.options.networkTimeoutSeconds;
    try {
      const first = await raceTimeout(network, timeout === undefined ? undefined : timeout * 1000);
      return first ?? (await handler.cacheMatch(request)) ?? (await network);
    } catch (error) {
      return (await handler.cacheMatch(request)) ?? failWith('no-response', request, { cause: error });
    }
  }
}

/**
 * Stale while revalidate: the cached response at once, and the network refreshes the cache behind it (with
 * `broadcastUpdate()` the page hears when the refresh changed something). Without a cached copy it waits for
 * the network.
 */
export class StaleWhileRevalidate extends Strategy {
  protected async respond(handler: StrategyHandler): Promise<Response> {
    const { request } = handler;
    const network = handler.fetchAndCachePut(request);
    const cached = await handler.cacheMatch(request);
    if (cached) return cached;
    try {
      return await network;
    } catch (error) {
      return failWith('no-response', request, { cause: error });
    }
  }
}

/** Cache only: the cached response or a network error. For what was cached ahead of time. */
export class CacheOnly extends Strategy {
  protected async respond(handler: StrategyHandler): Promise<Response> {
    return (await handler.cacheMatch(handler.request)) ?? failWith('not-cached', handler.request);
  }
}

/** Options of {@link NetworkOnly}. */
export interface NetworkOnlyOptions extends StrategyOptions {
  /** Fail after this many seconds without an answer (so a fallback can answer). Default: wait. */
  networkTimeoutSeconds?: number;
}

/** Network only: what the network says; plugins still see the request (to log it or to fall back). */
export class NetworkOnly extends Strategy<NetworkOnlyOptions> {
  protected async respond(handler: StrategyHandler): Promise<Response> {
    const network = handler.fetch(handler.request);
    const timeout = this.options.networkTimeoutSeconds;
    if (timeout === undefined) return network;
    network.catch(() => undefined);
    const first = await raceTimeout(network, timeout * 1000);
    return first ?? failWith('network-timeout', handler.request);
  }
}

function failWith(code: StrategyErrorCode, request: Request, options?: { cause: unknown }): never {
  throw new StrategyError(code, request.url, options);
}
