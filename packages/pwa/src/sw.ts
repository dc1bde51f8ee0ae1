/**
 * `@outpost/pwa/sw`: the service-worker side. Type-check service-worker code against the WebWorker lib.
 * @packageDocumentation
 */
import type { PrecacheEntry } from './caching/precache-manifest.js';

export {
  createNavigationHandler,
  type NavigationFallbackOptions,
  type RequestHandler,
} from './caching/navigation.sw.js';
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
export { handleLifecycle, type LifecycleOptions } from './lifecycle/activation.sw.js';
export { isLifecycleMessage, type LifecycleMessage } from './lifecycle/messages.js';

declare global {
  interface ServiceWorkerGlobalScope {
    /** Replaced at build time by `@outpost/pwa/vite` with the precache manifest of the built app. */
    __OUTPOST_PRECACHE_MANIFEST: PrecacheEntry[];
  }
}
