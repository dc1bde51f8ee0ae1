// Types only. Plugins see Request/Response/Cache, which the DOM and WebWorker libs share. The hook names,
// arguments and results follow Workbox's documented plugin contract (workbox-core `WorkboxPlugin`), so a plugin
// written for Workbox runs here unchanged; every hook also gets `handler`, this package's StrategyHandler.
import type { StrategyEvent, StrategyHandler } from './strategy.sw.js';

/** Whether a cache key is computed to read from the cache or to write to it. */
export type CacheKeyMode = 'read' | 'write';

/** A plugin's scratch object for one request: the same object in each of its hooks for that request. */
export type PluginState = Record<string, unknown>;

/** What every hook gets besides its own arguments. */
export interface HookContext {
  /** The fetch event, when the strategy is handling one (undefined when called with a bare request). */
  event: StrategyEvent | undefined;
  /**
   * This plugin's state for this request: one object per plugin per request, shared by that plugin's hooks
   * (note a start time in `handlerWillStart`, read it in `handlerDidComplete`). Other plugins never see it.
   */
  state: PluginState;
  /** The request's trip through the strategy: its strategy, `waitUntil`, `cacheMatch`, `fetch`. */
  handler: StrategyHandler;
}

/** The arguments of each hook (besides {@link HookContext}), in the order a request meets them. */
export interface HookArguments {
  /** First, before the strategy looks at cache or network. */
  handlerWillStart: { request: Request };
  /** Change the cache key a request is read from (`mode: 'read'`) or written to (`'write'`). */
  cacheKeyWillBeUsed: { request: Request; mode: CacheKeyMode; params: Record<string, string> | undefined };
  /** Change, or drop (return undefined or null), a response read from the cache before it is used. */
  cachedResponseWillBeUsed: {
    cacheName: string;
    request: Request;
    matchOptions: CacheQueryOptions | undefined;
    cachedResponse: Response | undefined;
  };
  /** Change a request (a clone; return the one to send) before it goes to the network. */
  requestWillFetch: { request: Request };
  /** The network failed (a rejection, not an HTTP error status). `originalRequest` is before `requestWillFetch`. */
  fetchDidFail: { originalRequest: Request; request: Request; error: unknown };
  /** Change or replace a response that came from the network. */
  fetchDidSucceed: { request: Request; response: Response };
  /** Veto (return undefined or null) or replace a response before it is cached; after the cacheable rules. */
  cacheWillUpdate: { request: Request; response: Response };
  /** A response was written; `oldResponse` is what the key held before, if anything. */
  cacheDidUpdate: { cacheName: string; request: Request; oldResponse: Response | undefined; newResponse: Response };
  /** The strategy failed; return a response to answer with instead (an offline fallback), or nothing. */
  handlerDidError: { request: Request; error: unknown };
  /** The last word on the response the page gets. */
  handlerWillRespond: { request: Request; response: Response };
  /** The response went to the page (undefined when the strategy failed). */
  handlerDidRespond: { request: Request; response: Response | undefined };
  /** Last: the background work (cache writes) is done too; `error` is why the response failed, if it did. */
  handlerDidComplete: { request: Request; response: Response | undefined; error: unknown };
}

/** What each hook returns: a value that replaces its input, a veto, or (`unknown`) anything, which is ignored. */
export interface HookResults {
  handlerWillStart: unknown;
  cacheKeyWillBeUsed: Request | string;
  cachedResponseWillBeUsed: Response | undefined | null;
  requestWillFetch: Request;
  fetchDidFail: unknown;
  fetchDidSucceed: Response;
  cacheWillUpdate: Response | undefined | null;
  cacheDidUpdate: unknown;
  handlerDidError: Response | undefined;
  handlerWillRespond: Response;
  handlerDidRespond: unknown;
  handlerDidComplete: unknown;
}

/** The names of the hooks of {@link StrategyPlugin}. */
export type PluginHook = keyof HookArguments;

/** What hook `N` is called with. */
export type HookParam<N extends PluginHook> = HookArguments[N] & HookContext;

/** Hook `N` as a plugin defines it. */
export type Hook<N extends PluginHook> = (param: HookParam<N>) => Awaitable<HookResults[N]>;

/**
 * Hooks into one request's life inside a strategy. Every hook is optional; hooks of several plugins run in
 * the order the plugins were given, each seeing the previous one's result. All of them run in one place,
 * {@link StrategyHandler}, whatever the strategy. See {@link HookArguments} for when each hook runs.
 *
 * @example
 * ```ts
 * // Ignore the query string when caching search pages.
 * const dropQuery: StrategyPlugin = {
 *   cacheKeyWillBeUsed: ({ request }) => request.url.split('?')[0] ?? request.url,
 * };
 * ```
 */
export type StrategyPlugin = { [N in PluginHook]?: Hook<N> };

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;
