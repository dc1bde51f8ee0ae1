/**
 * `@outpost/pwa/sw`: the service-worker side. Type-check service-worker code against the WebWorker lib.
 * @packageDocumentation
 */
import type { PrecacheEntry } from './caching/precache-manifest.js';

export { type BroadcastUpdateOptions, broadcastUpdate } from './caching/broadcast-update.sw.js';
export {
  type CacheableRules,
  hasResponseChanged,
  isCacheable,
  type ResponseFacts,
  VERSION_HEADERS,
} from './caching/cacheable.js';
export { type ExpirationOptions, expiration } from './caching/expiration.sw.js';
export { EXPIRATION_DB, IndexedDbExpirationIndex } from './caching/expiration-index.sw.js';
export {
  type ExpirationIndex,
  type ExpirationPolicy,
  ExpirationPolicyError,
  ExpirationTracker,
} from './caching/expiration-tracker.js';
export {
  CACHING_CHANNEL,
  type CachingMessage,
  isCachingMessage,
  type PrecacheFailureReport,
} from './caching/messages.js';
export {
  createNavigationHandler,
  type NavigationFallbackOptions,
  type RequestHandler,
} from './caching/navigation.sw.js';
export { type OfflineFallbackOptions, offlineFallback } from './caching/offline-fallback.sw.js';
export type { Awaitable, CacheKeyMode, PluginHook, StrategyPlugin } from './caching/plugin.sw.js';
export {
  Precache,
  type PrecacheFailure,
  PrecacheInstallError,
  type PrecacheInstallResult,
  type PrecacheOptions,
} from './caching/precache.sw.js';
export { type PrecacheAndRouteOptions, precacheAndRoute } from './caching/precache-events.sw.js';
export {
  cacheKeyFor,
  MANIFEST_PLACEHOLDER,
  manifestVersion,
  type PrecacheEntry,
  PrecacheManifestError,
  REVISION_PARAM,
  type ResolvedPrecacheEntry,
  resolvePrecacheManifest,
} from './caching/precache-manifest.js';
export { installPrecache, precacheRoute } from './caching/precache-route.sw.js';
export { contentRange, decideRange, type RangeDecision } from './caching/range.js';
export { createPartialResponse, rangeRequests } from './caching/range-requests.sw.js';
export { type CompiledPathPattern, compilePathPattern, matchPath, RoutePatternError } from './caching/route-pattern.js';
export {
  type MatchedRoute,
  type NavigationRouteOptions,
  type RouteMatcher,
  type RouteMethod,
  type RouteRequestInfo,
  RouteTable,
} from './caching/route-table.js';
export {
  type CatchContext,
  type FoundRoute,
  type RouteContext,
  type RouteHandler,
  type RouteHandlerFunction,
  Router,
  type RouterOptions,
} from './caching/router.sw.js';
export { type ListenOptions, listen } from './caching/router-events.sw.js';
export {
  CacheFirst,
  CacheOnly,
  NetworkFirst,
  type NetworkFirstOptions,
  NetworkOnly,
  type NetworkOnlyOptions,
  StaleWhileRevalidate,
} from './caching/strategies.sw.js';
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
} from './caching/strategy.sw.js';
export type {
  Download,
  DownloadFailureReason,
  DownloadIcon,
  DownloadMode,
  DownloadState,
  StoredFile,
} from './downloads/download.js';
export {
  type DownloadsWorker,
  type HandleDownloadsOptions,
  handleDownloads,
  openDownloadsPage,
} from './downloads/downloads.sw.js';
export { DOWNLOADS_CHANNEL, type DownloadsMessage, isDownloadsMessage } from './downloads/messages.js';
export { FROM_DOWNLOADS_HEADER, serveDownload } from './downloads/serve.sw.js';
export { recordAbort, type SettledFetch, settleBackgroundFetch } from './downloads/settle.web.js';
export { DOWNLOADS_DB, type DownloadsStore, openDownloadsStore } from './downloads/store.web.js';
export { handleLifecycle, type LifecycleOptions } from './lifecycle/activation.sw.js';
export { isLifecycleMessage, type LifecycleMessage } from './lifecycle/messages.js';
export type { OutboxItem, OutboxState, StoredRequest } from './outbox/item.js';
export {
  type HandleOutboxOptions,
  handleOutbox,
  type OutboxReplayer,
  OutboxRetryLaterError,
} from './outbox/outbox.sw.js';
export type { ReplayOptions, ReplayResult } from './outbox/replay.web.js';

declare global {
  interface ServiceWorkerGlobalScope {
    /** Replaced at build time by `@outpost/pwa/vite` with the precache manifest of the built app. */
    __OUTPOST_PRECACHE_MANIFEST: PrecacheEntry[];
  }
}
