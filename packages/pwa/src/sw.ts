/**
 * `@outpost/pwa/sw`: the service-worker side, exactly what docs/pwa.md and docs/caching.md describe. Type-check
 * service-worker code against the WebWorker lib. Internals (the route table, the expiration index, the outbox
 * database, message guards) are not exported; tests reach them through their module paths.
 * @packageDocumentation
 */
import type { PrecacheEntry } from './caching/precache/precache-manifest.js';

// Push and badge: the worker's side of the chat scenario (docs/notifications.md).
export { lowerBadge, readBadge, setBadge } from './badge/badge.web.js';
// Caching: wiring. The worker's one router answers fetch events; precacheAndRoute adds its routes to it.
export { type ExpirationOptions, expiration } from './caching/expiration/expiration.sw.js';
export { ExpirationPolicyError } from './caching/expiration/expiration-tracker.js';
export {
  Precache,
  type PrecacheFailure,
  PrecacheInstallError,
  type PrecacheInstallResult,
  type PrecacheOptions,
} from './caching/precache/precache.sw.js';
export { type PrecacheAndRouteOptions, precacheAndRoute } from './caching/precache/precache-and-route.sw.js';
export type { PrecacheEntry } from './caching/precache/precache-manifest.js';
export { createPartialResponse, rangeRequests } from './caching/ranges/range-requests.sw.js';
export {
  defaultRouter,
  type ListenOptions,
  listen,
} from './caching/routing/listen.sw.js';
export { type OfflineFallbackOptions, offlineFallback } from './caching/routing/offline-fallback.sw.js';
export { RoutePatternError } from './caching/routing/route-pattern.js';
export type {
  NavigationRouteOptions,
  RouteMatcher,
  RouteMethod,
  RouteRequestInfo,
} from './caching/routing/route-table.js';
export {
  type CatchContext,
  type FoundRoute,
  type RouteContext,
  type RouteHandler,
  type RouteHandlerFunction,
  type RouteRequest,
  Router,
  type RouterOptions,
} from './caching/routing/router.sw.js';
export { type BroadcastUpdateOptions, broadcastUpdate } from './caching/strategies/broadcast-update.sw.js';
export type { CacheableRules } from './caching/strategies/cacheable.js';
export type {
  Awaitable,
  CacheKeyMode,
  Hook,
  HookArguments,
  HookContext,
  HookParam,
  HookResults,
  PluginHook,
  PluginState,
  StrategyPlugin,
} from './caching/strategies/plugin.sw.js';
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
  type BoundHook,
  deleteCache,
  Strategy,
  StrategyError,
  type StrategyErrorCode,
  type StrategyEvent,
  StrategyHandler,
  type StrategyOptions,
  type StrategyRequest,
} from './caching/strategies/strategy.sw.js';
// Downloads: the worker's side of the music scenario (docs/downloads.md).
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
export type { DownloadsMessage } from './downloads/messages.js';
// Lifecycle.
export { handleLifecycle, type LifecycleOptions } from './lifecycle/activation.sw.js';
// Outbox.
export {
  type HandleOutboxOptions,
  handleOutbox,
  type OutboxReplayer,
  OutboxRetryLaterError,
} from './outbox/outbox.sw.js';
export type { ReplayOptions, ReplayResult } from './outbox/replay-queue.web.js';
// Periodic refresh: the worker's side of the news scenario (docs/periodic.md).
export type { PeriodicMessage } from './periodic/messages.js';
export {
  type HandlePeriodicOptions,
  handlePeriodic,
  type PeriodicHandlerEntry,
  type PeriodicRunner,
} from './periodic/periodic.sw.js';
export type { PeriodicOutcome, PeriodicRunRecord, PeriodicSource, PeriodicSummary } from './periodic/record.js';
export type { PeriodicContext, PeriodicHandler, PeriodicHandlerSpec } from './periodic/runner.sw.js';
export type { CacheLimits } from './periodic/stage.sw.js';
export type { ClickPlan, WindowInfo } from './push/click.js';
export {
  DECLARATIVE_WEB_PUSH,
  type DeclarativeAction,
  type DeclarativeMessage,
  type DeclarativeNotification,
  DeclarativePushError,
  parseDeclarative,
  parsePushPayload,
} from './push/declarative.js';
export type { NotificationSpec, Summarize } from './push/merge.js';
export type { PushMessage } from './push/messages.js';
export {
  type ClickedNotification,
  type ClickOutcome,
  type HandlePushOptions,
  handlePush,
  type PushAction,
  type PushActionContext,
  type PushActionResult,
  type PushWorker,
} from './push/push.sw.js';

declare global {
  interface ServiceWorkerGlobalScope {
    /** Replaced at build time by `@outpost/pwa/vite` with the precache manifest of the built app. */
    __OUTPOST_PRECACHE_MANIFEST: PrecacheEntry[];
  }
}
