// Uses only what the DOM and WebWorker libs share, with `caches` and `fetch` injectable, so unit tests drive
// strategies in Node against an in-memory CacheStorage and a scripted network.
import { type CacheableRules, isCacheable } from './cacheable.js';
import type { PluginHook, StrategyPlugin } from './plugin.sw.js';

/**
 * The part of a `FetchEvent` a strategy uses. Optional everywhere: without an event, background work is still
 * tracked and can be awaited with `handleAll`.
 */
export interface StrategyEvent {
  waitUntil(promise: Promise<unknown>): void;
  /** The navigation preload response, where the browser supports and the worker enabled it. */
  readonly preloadResponse?: Promise<unknown>;
}

/** What a strategy is asked to answer. */
export interface StrategyRequest {
  request: Request;
  event?: StrategyEvent | undefined;
  /** Parameters the route's matcher extracted. */
  params?: Record<string, string> | undefined;
  /** The request's parsed URL, when a router matched it. */
  url?: URL | undefined;
}

/** Options every strategy takes. */
export interface StrategyOptions {
  /** The runtime cache this strategy reads and writes. Default `outpost-runtime`. */
  cacheName?: string;
  plugins?: readonly StrategyPlugin[];
  /** Which responses may be cached. Default: status 200 only (so no opaque responses, no 206). */
  cacheable?: CacheableRules;
  /** Passed to `fetch` for requests that are not navigations. */
  fetchOptions?: RequestInit;
  /** Passed to `cache.match` (for example `{ ignoreSearch: true }`). */
  matchOptions?: CacheQueryOptions;
  caches?: CacheStorage;
  fetch?: (request: Request, init?: RequestInit) => Promise<Response>;
}

/** Why a strategy produced no response. */
export type StrategyErrorCode = 'no-response' | 'network-timeout' | 'not-cached';

/** Thrown (the page sees a network error) when a strategy has nothing to answer with. */
export class StrategyError extends Error {
  override readonly name = 'StrategyError';
  // `declare` + assignment rather than parameter properties: no class-field declarations in the bundle.
  declare readonly code: StrategyErrorCode;
  declare readonly url: string;
  constructor(code: StrategyErrorCode, url: string, options?: { cause?: unknown }) {
    super(`${code}: ${url}`, options);
    this.code = code;
    this.url = url;
  }
}

const openedCaches = new WeakMap<CacheStorage, Map<string, Promise<Cache>>>();

/**
 * Opens a cache once per worker lifetime: `caches.open` on every request costs a round trip to the storage
 * process. {@link forgetCache} drops the handle; delete runtime caches through {@link deleteCache} so the
 * next write reopens a fresh cache instead of writing into a deleted one.
 */
export function openCache(storage: CacheStorage, name: string): Promise<Cache> {
  // Set every time rather than only when new: one statement instead of a branch.
  const byName = openedCaches.get(storage) ?? new Map<string, Promise<Cache>>();
  openedCaches.set(storage, byName);
  let cache = byName.get(name);
  if (!cache) {
    cache = storage.open(name);
    byName.set(name, cache);
    cache.catch(() => byName.delete(name));
  }
  return cache;
}

/** Forgets the handle {@link openCache} keeps for `name`. */
export function forgetCache(storage: CacheStorage, name: string): void {
  openedCaches.get(storage)?.delete(name);
}

/** Deletes a runtime cache and the handle kept for it. */
export async function deleteCache(storage: CacheStorage, name: string): Promise<boolean> {
  forgetCache(storage, name);
  return storage.delete(name);
}

const quotaErrorCallbacks = new Set<() => Promise<void> | void>();

/**
 * Registers work to run when a cache write fails with `QuotaExceededError` (expiration registers "delete this
 * whole cache" for caches created with `purgeOnQuotaError`). Returns a function that unregisters it.
 */
export function onQuotaError(callback: () => Promise<void> | void): () => void {
  quotaErrorCallbacks.add(callback);
  return () => quotaErrorCallbacks.delete(callback);
}

/** A plugin hook as the handler calls it: one parameter object, plugins' own typing aside. */
type AnyHook = (param: Record<string, unknown>) => unknown;

// Module functions rather than handler methods: their names minify, and plugins reach the handler only
// through the documented methods.

/** The plugins' hooks of one name, in plugin order. */
function hooks(handler: StrategyHandler, name: PluginHook): AnyHook[] {
  return (handler.strategy.options.plugins ?? []).flatMap((plugin) => (plugin[name] as AnyHook | undefined) ?? []);
}

/**
 * Runs the `name` hooks in order, each given `param` (plus the handler) with `param[key]` set to what the
 * previous one returned; resolves with the last result. A hook that returns `null` ends the chain (that is
 * how `cacheWillUpdate` vetoes a write).
 */
async function fold(
  handler: StrategyHandler,
  name: PluginHook,
  param: Record<string, unknown>,
  key: string,
): Promise<unknown> {
  for (const hook of hooks(handler, name)) {
    param[key] = await hook({ ...param, handler });
    if (param[key] === null) break;
  }
  return param[key];
}

/**
 * A caching strategy: subclasses decide the order of cache and network in {@link Strategy.respond}, using
 * only the {@link StrategyHandler} they are given, which is where every plugin hook runs.
 *
 * @example
 * ```ts
 * class CacheThenNothing extends Strategy {
 *   protected async respond(handler: StrategyHandler) {
 *     return (await handler.cacheMatch(handler.request)) ?? Response.error();
 *   }
 * }
 * ```
 */
export abstract class Strategy<Options extends StrategyOptions = StrategyOptions> {
  // `declare`: all three are set in the constructor, so class-field declarations would only add bytes.
  declare readonly cacheName: string;
  declare readonly caches: CacheStorage;
  /** The options as given; the handler reads plugins, rules and fetch from here. */
  declare readonly options: Options;

  constructor(options: Options = {} as Options) {
    this.options = options;
    this.cacheName = options.cacheName ?? 'outpost-runtime';
    this.caches = options.caches ?? globalThis.caches;
  }

  /** Answers a request. Rejects with {@link StrategyError} when there is nothing to answer with. */
  handle(input: StrategyRequest | Request): Promise<Response> {
    return this.handleAll(input)[0];
  }

  /** Like {@link handle}, plus a promise that settles when the background work (cache writes) is done. */
  handleAll(input: StrategyRequest | Request): [Promise<Response>, Promise<void>] {
    const handler = new StrategyHandler(this, input instanceof Request ? { request: input } : input);
    const response = this.#run(handler);
    return [response, handler.doneWaiting(response)];
  }

  async #run(handler: StrategyHandler): Promise<Response> {
    const { request } = handler;
    let response: Response | undefined;
    try {
      response = await this.respond(handler);
    } catch (error) {
      for (const hook of hooks(handler, 'handlerDidError')) {
        response = (await hook({ request, error, handler })) as Response | undefined;
        if (response) break;
      }
      if (!response) throw error;
    }
    return fold(handler, 'handlerWillRespond', { request, response }, 'response') as Promise<Response>;
  }

  /** The strategy itself: the order of cache and network. */
  protected abstract respond(handler: StrategyHandler): Promise<Response>;
}

/**
 * One request's trip through a strategy. Its methods are the only way a strategy touches the cache or the
 * network, so each plugin hook runs in exactly one place whatever the strategy.
 */
export class StrategyHandler {
  // Declared, not defined: the constructor copies them in one go, and class fields would be emitted twice.
  declare readonly strategy: Strategy;
  declare readonly request: Request;
  declare readonly event: StrategyEvent | undefined;
  declare readonly params: Record<string, string> | undefined;
  declare readonly url: URL | undefined;
  readonly #pending: Promise<unknown>[] = [];
  #preloadUsed: boolean | undefined;

  constructor(strategy: Strategy, input: StrategyRequest) {
    Object.assign(this, input, { strategy });
  }

  /**
   * Fetches from the network (the navigation preload response, when there is one, for the first fetch of a
   * navigation), running `requestWillFetch`, `fetchDidFail` and `fetchDidSucceed`.
   */
  async fetch(input: Request): Promise<Response> {
    let request = input;
    let response: Response | undefined;
    if (request.mode === 'navigate' && !this.#preloadUsed && this.event?.preloadResponse) {
      this.#preloadUsed = true;
      const preloaded = await this.event.preloadResponse.catch(() => undefined);
      // Firefox resolves a failed preload with a network-error response (type "error", status 0) instead of
      // rejecting; that is no answer, so fetch as if there had been no preload.
      if (preloaded instanceof Response && preloaded.type !== 'error') response = preloaded;
    }
    if (!response) {
      for (const hook of hooks(this, 'requestWillFetch')) {
        request = (await hook({ request: request.clone(), handler: this })) as Request;
      }
      const { fetch = globalThis.fetch, fetchOptions } = this.strategy.options;
      try {
        // Navigations cannot be re-created with an init (mode "navigate" is not constructible), so no options.
        response = await fetch(request, request.mode === 'navigate' ? undefined : fetchOptions);
      } catch (error) {
        for (const hook of hooks(this, 'fetchDidFail')) await hook({ request: request.clone(), error, handler: this });
        throw error;
      }
    }
    return fold(this, 'fetchDidSucceed', { request, response }, 'response') as Promise<Response>;
  }

  /** Reads from the strategy's cache, running `cacheKeyWillBeUsed` and `cachedResponseWillBeUsed`. */
  async cacheMatch(request: Request): Promise<Response | undefined> {
    const { cacheName, caches, options } = this.strategy;
    const key = await this.#cacheKey(request, 'read');
    const cachedResponse = await (await openCache(caches, cacheName)).match(key, options.matchOptions);
    return ((await fold(
      this,
      'cachedResponseWillBeUsed',
      { cacheName, request: key, cachedResponse },
      'cachedResponse',
    )) ?? undefined) as Response | undefined;
  }

  /**
   * Writes to the strategy's cache if the cacheable rules and every `cacheWillUpdate` allow it, then runs
   * `cacheDidUpdate`. On `QuotaExceededError` it runs the registered purges and rethrows. Resolves with
   * whether the response was stored.
   */
  async cachePut(request: Request, response: Response): Promise<boolean> {
    const { cacheName, caches, options } = this.strategy;
    if (!isCacheable(response, options.cacheable)) return false;
    const newResponse = (await fold(this, 'cacheWillUpdate', { request, response }, 'response')) as Response | null;
    if (!newResponse) return false;
    const key = await this.#cacheKey(request, 'write');
    const cache = await openCache(caches, cacheName);
    const updated = hooks(this, 'cacheDidUpdate');
    const oldResponse = updated[0] && (await cache.match(key, options.matchOptions));
    try {
      await cache.put(key, updated[0] ? newResponse.clone() : newResponse);
    } catch (error) {
      if ((error as Error)?.name === 'QuotaExceededError') for (const purge of quotaErrorCallbacks) await purge();
      throw error;
    }
    for (const hook of updated) await hook({ cacheName, request: key, oldResponse, newResponse, handler: this });
    return true;
  }

  /**
   * Fetches and, in the background, caches a copy. The worker is kept alive for both from the start, so a
   * strategy that answers from the cache first still lets the network refresh it. A failed cache write never
   * fails the response: the page still gets what the network said.
   */
  fetchAndCachePut(request: Request): Promise<Response> {
    const network = this.fetch(request).then((response) => {
      this.waitUntil(this.cachePut(request, response.clone()).catch(() => undefined));
      return response;
    });
    this.waitUntil(network.catch(() => undefined));
    return network;
  }

  /** Keeps the worker alive for `promise` (through the event, when there is one) and tracks it. */
  waitUntil<T>(promise: Promise<T>): Promise<T> {
    this.#pending.push(promise);
    this.event?.waitUntil(promise);
    return promise;
  }

  /** Settles when `response` and every promise passed to {@link waitUntil}, even ones added meanwhile, have. */
  async doneWaiting(response?: Promise<unknown>): Promise<void> {
    await response?.catch(() => undefined);
    // A pending entry is a promise, never falsy.
    while (this.#pending[0]) await Promise.allSettled(this.#pending.splice(0));
  }

  async #cacheKey(request: Request, mode: 'read' | 'write'): Promise<Request> {
    const key = await fold(this, 'cacheKeyWillBeUsed', { request, mode }, 'request');
    return typeof key === 'string' ? new Request(key) : (key as Request);
  }
}
