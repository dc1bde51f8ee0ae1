import { defaultRouter } from '../routing/listen.sw.js';
import type { Router } from '../routing/router.sw.js';
import { installPrecache, precacheRoute } from './install-precache.sw.js';
import { NavigationFallback } from './navigation-fallback.sw.js';
import { Precache, type PrecacheOptions } from './precache.sw.js';
import type { PrecacheEntry } from './precache-manifest.js';

declare const self: ServiceWorkerGlobalScope;

/** Options for {@link precacheAndRoute}. */
export interface PrecacheAndRouteOptions extends Omit<PrecacheOptions, 'scope' | 'base' | 'caches' | 'fetch'> {
  /**
   * The router to add the routes to. Default: the worker's router (`defaultRouter()`: the one given to
   * `listen`, or a new one that listens). Pass your own when you call `listen(router)` yourself later.
   */
  router?: Router;
  /**
   * Opt-in SPA fallback: navigations go network first, and this precached page (relative to the scope, for
   * example `index.html`) answers the ones the network cannot, unless the page asked for is precached itself
   * (then that copy answers). Without it (the default, right for a multi-page app) a navigation to a precached
   * page is answered from the precache like any precached URL.
   */
  navigateFallback?: string;
  /** Only navigations whose path + query match one of these get the fallback. Default: all. */
  navigateFallbackAllowlist?: readonly RegExp[];
  /** Navigations whose path + query match one of these never get the fallback (checked after the allowlist). */
  navigateFallbackDenylist?: readonly RegExp[];
  /** Give up on the network for a navigation after this many seconds and answer with the fallback page. */
  networkTimeoutSeconds?: number;
}

/**
 * Precaches `manifest` and routes it, on the worker's one router: install fills a new versioned cache (a failed
 * file fails the install, so the previous version keeps serving, and pages hear which files failed via
 * `onPrecacheFailed()` from `@outpost/pwa/client`), activate deletes this scope's outdated precache caches, and
 * precached URLs are answered cache first. With `navigateFallback`, navigations the allow/deny lists let through
 * are answered network first; offline, a precached page answers with itself and any other with that page (that
 * route comes before the precache route). Routes added to the same router before or after it work as usual
 * (first match wins). Returns the {@link Precache}, for an offline fallback or `precache.match()`.
 *
 * @example
 * ```ts
 * /// <reference lib="webworker" />
 * import { defaultRouter, handleLifecycle, precacheAndRoute, StaleWhileRevalidate } from '@outpost/pwa/sw';
 * declare const self: ServiceWorkerGlobalScope;
 * handleLifecycle();
 * precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST, { navigateFallback: 'index.html', networkTimeoutSeconds: 3 });
 * defaultRouter().get('/api/*', new StaleWhileRevalidate({ cacheName: 'api' }));
 * ```
 */
export function precacheAndRoute(manifest: readonly PrecacheEntry[], options: PrecacheAndRouteOptions = {}): Precache {
  const {
    router = defaultRouter(),
    navigateFallback,
    navigateFallbackAllowlist,
    navigateFallbackDenylist,
    networkTimeoutSeconds,
    ...precacheOptions
  } = options;
  const scope = self.registration.scope;
  const precache = new Precache(manifest, { ...precacheOptions, scope, base: self.location.href });
  installPrecache(precache);
  if (navigateFallback !== undefined) {
    const fallback = new NavigationFallback({
      precache,
      scope,
      fallbackUrl: navigateFallback,
      networkTimeoutSeconds,
    });
    router.navigation(fallback, { allowlist: navigateFallbackAllowlist, denylist: navigateFallbackDenylist });
  }
  precacheRoute(router, precache);
  return precache;
}
