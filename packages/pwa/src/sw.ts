/**
 * `@outpost/pwa/sw`: the service-worker side. Type-check service-worker code against the WebWorker lib.
 * @packageDocumentation
 */
import type { PrecacheEntry } from './caching/precache/precache-manifest.js';

export { type ExpirationOptions, expiration } from './caching/expiration/expiration.sw.js';
export { EXPIRATION_DB, IndexedDbExpirationIndex } from './caching/expiration/expiration-index.sw.js';
export {
  type ExpirationIndex,
  type ExpirationPolicy,
  ExpirationPolicyError,
  ExpirationTracker,
} from './caching/expiration/expiration-tracker.js';
export {
  CACHING_CHANNEL,
  type CachingMessage,
  isCachingMessage,
  type PrecacheFailureReport,
} from './caching/messages.js';
export { installPrecache, precacheRoute } from './caching/precache/install-precache.sw.js';
export {
  createNavigationHandler,
  type NavigationFallbackOptions,
  type RequestHandler,
} from './caching/precache/navigation-fallback.sw.js';
export {
  Precache,
  type PrecacheFailure,
  PrecacheInstallError,
  type PrecacheInstallResult,
  type PrecacheOptions,
} from './caching/precache/precache.sw.js';
export { type PrecacheAndRouteOptions, precacheAndRoute } from './caching/precache/precache-and-route.sw.js';
export {
  cacheKeyFor,
  MANIFEST_PLACEHOLDER,
  manifestVersion,
  type PrecacheEntry,
  PrecacheManifestError,
  REVISION_PARAM,
  type ResolvedPrecacheEntry,
  resolvePrecacheManifest,
} from './caching/precache/precache-manifest.js';
export { contentRange, decideRange, type RangeDecision } from './caching/ranges/range.js';
export { createPartialResponse, rangeRequests } from './caching/ranges/range-requests.sw.js';
export { type ListenOptions, listen } from './caching/routing/listen.sw.js';
export { type OfflineFallbackOptions, offlineFallback } from './caching/routing/offline-fallback.sw.js';
export {
  type CompiledPathPattern,
  compilePathPattern,
  matchPath,
  RoutePatternError,
} from './caching/routing/route-pattern.js';
export {
  type MatchedRoute,
  type NavigationRouteOptions,
  type RouteMatcher,
  type RouteMethod,
  type RouteRequestInfo,
  RouteTable,
} from './caching/routing/route-table.js';
export {
  type CatchContext,
  type FoundRoute,
  type RouteContext,
  type RouteHandler,
  type RouteHandlerFunction,
  Router,
  type RouterOptions,
} from './caching/routing/router.sw.js';
export { type BroadcastUpdateOptions, broadcastUpdate } from './caching/strategies/broadcast-update.sw.js';
export {
  type CacheableRules,
  hasResponseChanged,
  isCacheable,
  type ResponseFacts,
  VERSION_HEADERS,
} from './caching/strategies/cacheable.js';
export type { Awaitable, CacheKeyMode, PluginHook, StrategyPlugin } from './caching/strategies/plugin.sw.js';
export {
  CacheFirst,
  CacheOnly,
  NetworkFirst,
  type NetworkFirstOptions,
  NetworkOnly,
  type NetworkOnlyOptions,
  StaleWhileRevalidate,
} from './caching/strategies/strategies.sw.js';
export {
  deleteCache,
  forgetCache,
  onQuotaError,
  openCache,
  Strategy,
  StrategyError,
  type StrategyErrorCode,
  type StrategyEvent,
  StrategyHandler,
  type StrategyOptions,
  type StrategyRequest,
} from './caching/strategies/strategy.sw.js';
export { handleLifecycle, type LifecycleOptions } from './lifecycle/activation.sw.js';
export { isLifecycleMessage, type LifecycleMessage } from './lifecycle/messages.js';
export type { OutboxItem, OutboxState, StoredRequest } from './outbox/item.js';
export {
  type HandleOutboxOptions,
  handleOutbox,
  type OutboxReplayer,
  OutboxRetryLaterError,
} from './outbox/outbox.sw.js';
export type { ReplayOptions, ReplayResult } from './outbox/replay-queue.web.js';

declare global {
  interface ServiceWorkerGlobalScope {
    /** Replaced at build time by `@outpost/pwa/vite` with the precache manifest of the built app. */
    __OUTPOST_PRECACHE_MANIFEST: PrecacheEntry[];
  }
}
