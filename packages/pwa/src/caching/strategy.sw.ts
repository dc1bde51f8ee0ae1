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
  constructor(
    readonly code: StrategyErrorCode,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${url}`, options);
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

async function runQuotaErrorCallbacks(): Promise<void> {
  for (const callback of quotaErrorCallbacks) await callback();
}

type Hooks = { [K in PluginHook]: { plugin: StrategyPlugin; hook: NonNullable<StrategyPlugin[K]> }[] };

function collectHooks(plugins: readonly StrategyPlugin[]): Hooks {
  const names: PluginHook[] = [
    'cacheKeyWillBeUsed',
    'requestWillFetch',
    'fetchDidFail',
    'fetchDidSucceed',
    'cacheWillUpdate',
    'cacheDidUpdate',
    'cachedResponseWillBeUsed',
    'handlerDidError',
    'handlerWillRespond',
  ];
  const hooks = {} as Record<PluginHook, { plugin: StrategyPlugin; hook: unknown }[]>;
  for (const name of names) {
    hooks[name] = plugins.filter((p) => p[name] !== undefined).map((plugin) => ({ plugin, hook: plugin[name] }));
  }
  return hooks as Hooks;
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
export abstract class Strategy {
  readonly cacheName: string;
  readonly plugins: readonly StrategyPlugin[];
  readonly cacheable: CacheableRules;
  readonly fetchOptions: RequestInit | undefined;
  readonly matchOptions: CacheQueryOptions | undefined;
  readonly caches: CacheStorage;
  readonly fetchImpl: (request: Request, init?: RequestInit) => Promise<Response>;
  /** Plugin hooks grouped by name once, so a request only walks the hooks that exist. */
  readonly hooks: Hooks;

  constructor(options: StrategyOptions = {}) {
    this.cacheName = options.cacheName ?? 'outpost-runtime';
    this.plugins = options.plugins ?? [];
    this.cacheable = options.cacheable ?? {};
    this.fetchOptions = options.fetchOptions;
    this.matchOptions = options.matchOptions;
    this.caches = options.caches ?? globalThis.caches;
    this.fetchImpl = options.fetch ?? ((request, init) => globalThis.fetch(request, init));
    this.hooks = collectHooks(this.plugins);
  }

  /** Answers a request. Rejects with {@link StrategyError} when there is nothing to answer with. */
  handle(input: StrategyRequest | Request): Promise<Response> {
    return this.handleAll(input)[0];
  }

  /** Like {@link handle}, plus a promise that settles when the background work (cache writes) is done. */
  handleAll(input: StrategyRequest | Request): [Promise<Response>, Promise<void>] {
    const handler = new StrategyHandler(this, input instanceof Request ? { request: input } : input);
    const response = this.run(handler);
    return [response, handler.doneWaiting(response)];
  }

  private async run(handler: StrategyHandler): Promise<Response> {
    let response: Response | undefined;
    try {
      response = await this.respond(handler);
    } catch (error) {
      for (const { hook } of this.hooks.handlerDidError) {
        response = (await hook({ request: handler.request, error, handler })) ?? undefined;
        if (response) break;
      }
      if (!response) throw error;
    }
    for (const { hook } of this.hooks.handlerWillRespond) {
      response = await hook({ request: handler.request, response, handler });
    }
    return response;
  }

  /** The strategy itself: the order of cache and network. */
  protected abstract respond(handler: StrategyHandler): Promise<Response>;
}

/**
 * One request's trip through a strategy. Its methods are the only way a strategy touches the cache or the
 * network, so each plugin hook runs in exactly one place whatever the strategy.
 */
export class StrategyHandler {
  readonly request: Request;
  readonly event: StrategyEvent | undefined;
  readonly params: Record<string, string> | undefined;
  private readonly pending: Promise<unknown>[] = [];
  private preloadUsed = false;

  constructor(
    readonly strategy: Strategy,
    input: StrategyRequest,
  ) {
    this.request = input.request;
    this.event = input.event;
    this.params = input.params;
  }

  /**
   * Fetches from the network (the navigation preload response, when there is one, for the first fetch of a
   * navigation), running `requestWillFetch`, `fetchDidFail` and `fetchDidSucceed`.
   */
  async fetch(input: Request): Promise<Response> {
    const { hooks } = this.strategy;
    let request = input;
    let response: Response | undefined;
    if (request.mode === 'navigate' && !this.preloadUsed && this.event?.preloadResponse) {
      this.preloadUsed = true;
      const preloaded = await this.event.preloadResponse.catch(() => undefined);
      // Firefox resolves a failed preload with a network-error response (type "error", status 0) instead of
      // rejecting; that is no answer, so fetch as if there had been no preload.
      if (preloaded instanceof Response && preloaded.type !== 'error') response = preloaded;
    }
    if (!response) {
      for (const { hook } of hooks.requestWillFetch) request = await hook({ request: request.clone(), handler: this });
      // Navigations cannot be re-created with an init (mode "navigate" is not constructible), so no options.
      const init = request.mode === 'navigate' ? undefined : this.strategy.fetchOptions;
      try {
        response = await this.strategy.fetchImpl(request, init);
      } catch (error) {
        for (const { hook } of hooks.fetchDidFail) await hook({ request: request.clone(), error, handler: this });
        throw error;
      }
    }
    for (const { hook } of hooks.fetchDidSucceed) response = await hook({ request, response, handler: this });
    return response;
  }

  /** Reads from the strategy's cache, running `cacheKeyWillBeUsed` and `cachedResponseWillBeUsed`. */
  async cacheMatch(request: Request): Promise<Response | undefined> {
    const { hooks, cacheName, matchOptions } = this.strategy;
    const key = hooks.cacheKeyWillBeUsed.length > 0 ? await this.cacheKey(request, 'read') : request;
    const cache = await openCache(this.strategy.caches, cacheName);
    let cached = await cache.match(key, matchOptions);
    for (const { hook } of hooks.cachedResponseWillBeUsed) {
      cached = (await hook({ cacheName, request: key, cachedResponse: cached, handler: this })) ?? undefined;
    }
    return cached;
  }

  /**
   * Writes to the strategy's cache if the cacheable rules and every `cacheWillUpdate` allow it, then runs
   * `cacheDidUpdate`. On `QuotaExceededError` it runs the registered purges and rethrows. Resolves with
   * whether the response was stored.
   */
  async cachePut(request: Request, response: Response): Promise<boolean> {
    const { hooks, cacheName, matchOptions } = this.strategy;
    if (!isCacheable(response, this.strategy.cacheable)) return false;
    let toCache: Response | null = response;
    for (const { hook } of hooks.cacheWillUpdate) {
      toCache = await hook({ request, response: toCache, handler: this });
      if (!toCache) return false;
    }
    const key = hooks.cacheKeyWillBeUsed.length > 0 ? await this.cacheKey(request, 'write') : request;
    const cache = await openCache(this.strategy.caches, cacheName);
    const notify = hooks.cacheDidUpdate.length > 0;
    const oldResponse = notify ? await cache.match(key, matchOptions) : undefined;
    try {
      await cache.put(key, notify ? toCache.clone() : toCache);
    } catch (error) {
      if (error instanceof Error && error.name === 'QuotaExceededError') await runQuotaErrorCallbacks();
      throw error;
    }
    for (const { hook } of hooks.cacheDidUpdate) {
      await hook({ cacheName, request: key, oldResponse, newResponse: toCache, handler: this });
    }
    return true;
  }

  /**
   * Fetches and, in the background, caches a copy. A failed cache write never fails the response: the page
   * still gets what the network said.
   */
  async fetchAndCachePut(request: Request): Promise<Response> {
    const response = await this.fetch(request);
    this.waitUntil(this.cachePut(request, response.clone()).catch(() => false));
    return response;
  }

  /** Keeps the worker alive for `promise` (through the event, when there is one) and tracks it. */
  waitUntil<T>(promise: Promise<T>): Promise<T> {
    this.pending.push(promise);
    this.event?.waitUntil(promise);
    return promise;
  }

  /** Settles when `response` and every promise passed to {@link waitUntil}, even ones added meanwhile, have. */
  async doneWaiting(response?: Promise<unknown>): Promise<void> {
    await response?.catch(() => undefined);
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      await Promise.allSettled(batch);
    }
  }

  private async cacheKey(request: Request, mode: 'read' | 'write'): Promise<Request> {
    let key: Request | string = request;
    for (const { hook } of this.strategy.hooks.cacheKeyWillBeUsed) {
      key = await hook({ request: typeof key === 'string' ? new Request(key) : key, mode, handler: this });
    }
    return typeof key === 'string' ? new Request(key) : key;
  }
}
