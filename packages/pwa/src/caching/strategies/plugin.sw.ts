// Types only. Plugins see Request/Response/Cache, which the DOM and WebWorker libs share.
import type { StrategyHandler } from './strategy.sw.js';

/** Whether a cache key is computed to read from the cache or to write to it. */
export type CacheKeyMode = 'read' | 'write';

/**
 * Hooks into one request's life inside a strategy. Every hook is optional; hooks of several plugins run in
 * the order the plugins were given, each seeing the previous one's result. All of them run in one place,
 * {@link StrategyHandler}, whatever the strategy.
 *
 * @example
 * ```ts
 * // Ignore the query string when caching search pages.
 * const dropQuery: StrategyPlugin = {
 *   cacheKeyWillBeUsed: ({ request }) => request.url.split('?')[0] as string,
 * };
 * ```
 */
export interface StrategyPlugin {
  /** Change the cache key a request is read from or written to. */
  cacheKeyWillBeUsed?(param: {
    request: Request;
    mode: CacheKeyMode;
    handler: StrategyHandler;
  }): Awaitable<Request | string>;
  /** Change a request before it goes to the network. */
  requestWillFetch?(param: { request: Request; handler: StrategyHandler }): Awaitable<Request>;
  /** The network failed (a rejection, not an HTTP error status). */
  fetchDidFail?(param: { request: Request; error: unknown; handler: StrategyHandler }): Awaitable<void>;
  /** Change or replace a response that came from the network. */
  fetchDidSucceed?(param: { request: Request; response: Response; handler: StrategyHandler }): Awaitable<Response>;
  /** Veto (return null) or replace a response before it is cached. Runs after the cacheable rules passed. */
  cacheWillUpdate?(param: {
    request: Request;
    response: Response;
    handler: StrategyHandler;
  }): Awaitable<Response | null>;
  /** A response was written; `oldResponse` is what the key held before, if anything. */
  cacheDidUpdate?(param: {
    cacheName: string;
    request: Request;
    oldResponse: Response | undefined;
    newResponse: Response;
    handler: StrategyHandler;
  }): Awaitable<void>;
  /** Change, or drop (return undefined or null), a response read from the cache before it is used. */
  cachedResponseWillBeUsed?(param: {
    cacheName: string;
    request: Request;
    cachedResponse: Response | undefined;
    handler: StrategyHandler;
  }): Awaitable<Response | undefined | null>;
  /** The strategy failed; return a response to answer with instead (an offline fallback), or nothing. */
  handlerDidError?(param: {
    request: Request;
    error: unknown;
    handler: StrategyHandler;
  }): Awaitable<Response | undefined>;
  /** The last word on the response the page gets. */
  handlerWillRespond?(param: { request: Request; response: Response; handler: StrategyHandler }): Awaitable<Response>;
}

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** The names of the hooks of {@link StrategyPlugin}. */
export type PluginHook = keyof StrategyPlugin;
