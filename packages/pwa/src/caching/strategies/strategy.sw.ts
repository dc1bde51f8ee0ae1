// Uses only what the DOM and WebWorker libs share, with `caches` and `fetch` injectable, so unit tests drive
// strategies in Node against an in-memory CacheStorage and a scripted network.
import { type CacheableRules, isCacheable } from './cacheable.js';
import type { HookArguments, HookResults, PluginHook, PluginState, StrategyPlugin } from './plugin.sw.js';

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
  plugins?: readonly StrategyPlugin[] | undefined;
  /** Which responses may be cached. Default: status 200 only (so no opaque responses, no 206). */
  cacheable?: CacheableRules;
  /** Passed to `fetch` for requests that are not navigations. */
  fetchOptions?: RequestInit;
  /** Passed to `cache.match` (for example `{ ignoreSearch: true }`). */
  matchOptions?: CacheQueryOptions;
  caches?: CacheStorage;
  fetch?: ((request: Request, init?: RequestInit) => Promise<Response>) | undefined;
}

/** Why a strategy produced no response. */
export type StrategyErrorCode = 'no-response' | 'network-timeout' | 'not-cached';

/** Thrown (the page sees a network error) when a strategy has nothing to answer with. */
export class StrategyError extends Error {
  override readonly name = 'StrategyError';
  readonly code: StrategyErrorCode;
  readonly url: string;
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
  let byName = openedCaches.get(storage);
  if (!byName) {
    byName = new Map();
    openedCaches.set(storage, byName);
  }
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

/**
 * Deletes a runtime cache and the handle this worker keeps for it, so the strategies' next write opens a fresh
 * cache. A worker that deletes a runtime cache with `caches.delete()` instead keeps writing into the deleted one
 * until it restarts. Resolves like `caches.delete()`: whether a cache of that name existed.
 *
 * @example
 * ```ts
 * await deleteCache(caches, 'api'); // e.g. on sign-out, from the worker
 * ```
 */
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

/** A hook bound to its plugin and to this request's context: what {@link StrategyHandler.iterateCallbacks} yields. */
export type BoundHook<N extends PluginHook> = (param: HookArguments[N]) => Promise<HookResults[N]>;

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
  /** The runtime cache this strategy reads and writes. */
  readonly cacheName: string;
  readonly caches: CacheStorage;
  readonly plugins: readonly StrategyPlugin[];
  /** The options as given; the handler reads rules and fetch from here. */
  readonly options: Partial<Options>;

  constructor(options: Partial<Options> = {}) {
    this.options = options;
    this.cacheName = options.cacheName ?? 'outpost-runtime';
    this.caches = options.caches ?? globalThis.caches;
    this.plugins = options.plugins ?? [];
  }

  /** Answers a request. Rejects with {@link StrategyError} when there is nothing to answer with. */
  handle(input: StrategyRequest | Request): Promise<Response> {
    return this.handleAll(input)[0];
  }

  /**
   * Like {@link handle}, plus a promise that settles when the background work (cache writes) and the
   * `handlerDidRespond` / `handlerDidComplete` hooks are done. With an event, the worker is kept alive for it.
   */
  handleAll(input: StrategyRequest | Request): [Promise<Response>, Promise<void>] {
    const handler = new StrategyHandler(this, input instanceof Request ? { request: input } : input);
    const response = this.#respondWithHooks(handler);
    const done = this.#complete(handler, response);
    handler.event?.waitUntil(done);
    return [response, done];
  }

  async #respondWithHooks(handler: StrategyHandler): Promise<Response> {
    const { request } = handler;
    await handler.runCallbacks('handlerWillStart', { request });
    let response: Response | undefined;
    try {
      response = await this.respond(handler);
    } catch (error) {
      for (const hook of handler.iterateCallbacks('handlerDidError')) {
        response = await hook({ request, error });
        if (response) break;
      }
      if (!response) throw error;
    }
    for (const hook of handler.iterateCallbacks('handlerWillRespond')) response = await hook({ request, response });
    return response;
  }

  async #complete(handler: StrategyHandler, responseDone: Promise<Response>): Promise<void> {
    const { request } = handler;
    let response: Response | undefined;
    let error: unknown;
    try {
      response = await responseDone;
    } catch (failure) {
      error = failure;
    }
    await handler.runCallbacks('handlerDidRespond', { request, response });
    await handler.doneWaiting();
    await handler.runCallbacks('handlerDidComplete', { request, response, error });
  }

  /** The strategy itself: the order of cache and network. */
  protected abstract respond(handler: StrategyHandler): Promise<Response>;
}

/**
 * One request's trip through a strategy. Its methods are the only way a strategy touches the cache or the
 * network, so each plugin hook runs in exactly one place whatever the strategy.
 */
export class StrategyHandler {
  readonly strategy: Strategy;
  readonly request: Request;
  readonly event: StrategyEvent | undefined;
  /** Parameters the route's matcher extracted, when a router matched the request. */
  readonly params: Record<string, string> | undefined;
  /** The request's parsed URL, when a router matched it. */
  readonly url: URL | undefined;
  readonly #pending: Promise<unknown>[] = [];
  readonly #states = new Map<StrategyPlugin, PluginState>();
  #preloadUsed = false;

  constructor(strategy: Strategy, input: StrategyRequest) {
    this.strategy = strategy;
    this.request = input.request;
    this.event = input.event;
    this.params = input.params;
    this.url = input.url;
  }

  /**
   * The `name` hooks of the strategy's plugins, in plugin order, each bound to its plugin (so a class-based
   * plugin keeps its `this`) and given the {@link HookContext}: this request's event, handler and that plugin's
   * own state object.
   */
  *iterateCallbacks<N extends PluginHook>(name: N): Generator<BoundHook<N>> {
    for (const plugin of this.strategy.plugins) {
      const hook = plugin[name];
      if (!hook) continue;
      let state = this.#states.get(plugin);
      if (!state) {
        state = {};
        this.#states.set(plugin, state);
      }
      const context = { event: this.event, state, handler: this };
      yield async (param) => hook.call(plugin, { ...param, ...context });
    }
  }

  /** Runs every `name` hook one after another with the same argument (for hooks whose result is ignored). */
  async runCallbacks<N extends PluginHook>(name: N, param: HookArguments[N]): Promise<void> {
    for (const hook of this.iterateCallbacks(name)) await hook(param);
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
      for (const hook of this.iterateCallbacks('requestWillFetch')) request = await hook({ request: request.clone() });
      const { fetch = globalThis.fetch, fetchOptions } = this.strategy.options;
      try {
        // Navigations cannot be re-created with an init (mode "navigate" is not constructible), so no options.
        response = await fetch(request, request.mode === 'navigate' ? undefined : fetchOptions);
      } catch (error) {
        await this.runCallbacks('fetchDidFail', { originalRequest: input, request: request.clone(), error });
        throw error;
      }
    }
    for (const hook of this.iterateCallbacks('fetchDidSucceed')) response = await hook({ request, response });
    return response;
  }

  /** Reads from the strategy's cache, running `cacheKeyWillBeUsed` and `cachedResponseWillBeUsed`. */
  async cacheMatch(input: Request): Promise<Response | undefined> {
    const { cacheName, caches, options } = this.strategy;
    const { matchOptions } = options;
    const request = await this.getCacheKey(input, 'read');
    let cachedResponse = await (await openCache(caches, cacheName)).match(request, matchOptions);
    for (const hook of this.iterateCallbacks('cachedResponseWillBeUsed')) {
      cachedResponse = (await hook({ cacheName, request, matchOptions, cachedResponse })) ?? undefined;
    }
    return cachedResponse;
  }

  /**
   * Writes to the strategy's cache if the cacheable rules and every `cacheWillUpdate` allow it, then runs
   * `cacheDidUpdate`. On `QuotaExceededError` it runs the registered purges and rethrows. Resolves with
   * whether the response was stored.
   */
  async cachePut(input: Request, response: Response): Promise<boolean> {
    const { cacheName, caches, options } = this.strategy;
    if (!isCacheable(response, options.cacheable)) return false;
    let newResponse: Response | undefined = response;
    for (const hook of this.iterateCallbacks('cacheWillUpdate')) {
      newResponse = (await hook({ request: input, response: newResponse })) ?? undefined;
      if (!newResponse) return false;
    }
    const request = await this.getCacheKey(input, 'write');
    const cache = await openCache(caches, cacheName);
    const updated = [...this.iterateCallbacks('cacheDidUpdate')];
    // The old response is read only when a cacheDidUpdate hook will see it.
    const oldResponse = updated.length > 0 ? await cache.match(request, options.matchOptions) : undefined;
    try {
      await cache.put(request, updated.length > 0 ? newResponse.clone() : newResponse);
    } catch (error) {
      if (error instanceof Error && error.name === 'QuotaExceededError') {
        for (const purge of quotaErrorCallbacks) await purge();
      }
      throw error;
    }
    for (const hook of updated) await hook({ cacheName, request, oldResponse, newResponse });
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

  /** The key `request` is read from (`mode: 'read'`) or written to, after every `cacheKeyWillBeUsed`. */
  async getCacheKey(request: Request, mode: 'read' | 'write'): Promise<Request> {
    let key = request;
    for (const hook of this.iterateCallbacks('cacheKeyWillBeUsed')) {
      const result = await hook({ request: key, mode, params: this.params });
      key = typeof result === 'string' ? new Request(result) : result;
    }
    return key;
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
    while (this.#pending.length > 0) await Promise.allSettled(this.#pending.splice(0));
  }
}
