import { escapeRegExp } from '../routing/route-pattern.js';
import { installPrecache } from './install-precache.sw.js';
import { createNavigationHandler } from './navigation-fallback.sw.js';
import { Precache, type PrecacheOptions } from './precache.sw.js';
import type { PrecacheEntry } from './precache-manifest.js';

declare const self: ServiceWorkerGlobalScope;

/** Options for {@link precacheAndRoute}. */
export interface PrecacheAndRouteOptions extends Omit<PrecacheOptions, 'scope' | 'base' | 'caches' | 'fetch'> {
  /**
   * Serve navigations network first with this precached page as the offline answer (the SPA shell).
   * `null` leaves navigations alone. Default `index.html`.
   */
  navigateFallback?: string | null;
  /** See {@link NavigationFallbackOptions.networkTimeoutMs}. */
  networkTimeoutMs?: number;
  /** Navigation paths to leave to the network. Default: `/api/` under the scope. */
  navigateFallbackDenylist?: readonly RegExp[];
}

/**
 * Precaches `manifest` and serves it: install fills a new versioned cache (a failed file fails the install, so
 * the previous version keeps serving, and pages hear which files failed via `onPrecacheFailed()` from
 * `@outpost/pwa/client`), activate deletes this scope's outdated precache caches, precached URLs
 * are answered cache first, and navigations are answered network first with the precached shell as fallback.
 *
 * @example
 * ```ts
 * /// <reference lib="webworker" />
 * import { handleLifecycle, precacheAndRoute } from '@outpost/pwa/sw';
 * declare const self: ServiceWorkerGlobalScope;
 * handleLifecycle();
 * precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST, { networkTimeoutMs: 3000 });
 * ```
 */
export function precacheAndRoute(manifest: readonly PrecacheEntry[], options: PrecacheAndRouteOptions = {}): Precache {
  const scope = self.registration.scope;
  const precache = new Precache(manifest, { ...options, scope, base: self.location.href });
  const fallback = options.navigateFallback === undefined ? 'index.html' : options.navigateFallback;
  const navigate =
    fallback === null
      ? undefined
      : createNavigationHandler({
          precache,
          scope,
          fallbackUrl: fallback,
          denylist: options.navigateFallbackDenylist ?? [new RegExp(`^${escapeRegExp(new URL(scope).pathname)}api/`)],
          ...(options.networkTimeoutMs === undefined ? {} : { networkTimeoutMs: options.networkTimeoutMs }),
        });

  // Install and activate, and tell pages on the `outpost:caching` channel which files failed and why.
  installPrecache(precache);
  self.addEventListener('fetch', (event) => {
    const { request } = event;
    if (request.method !== 'GET') return;
    const response =
      request.mode === 'navigate' && navigate
        ? navigate(request)
        : precache.entryFor(request.url) && cacheFirst(request);
    if (response) event.respondWith(response);
  });
  return precache;

  async function cacheFirst(request: Request): Promise<Response> {
    return (await precache.match(request)) ?? fetch(request);
  }
}
