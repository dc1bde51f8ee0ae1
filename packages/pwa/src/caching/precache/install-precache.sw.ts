import { broadcast } from '../../channel.web.js';
import {
  CACHING_CHANNEL,
  type CachingMessage,
  type PrecacheMessage,
  type PrecacheReport,
  precacheReportUrl,
  REPORT_CACHE,
} from '../messages.js';
import type { Router } from '../routing/router.sw.js';
import { type Precache, PrecacheInstallError } from './precache.sw.js';

declare const self: ServiceWorkerGlobalScope;

/**
 * Routes precached URLs (GET, `/` mapped to its index file) to the precache, falling back to the network for
 * a file the cache lost. `precacheAndRoute` adds it; precached files should never reach a later route.
 *
 * @example
 * ```ts
 * precacheRoute(router, precache);
 * ```
 */
export function precacheRoute(router: Router, precache: Precache): Router {
  return router.get(
    ({ href }) => precache.entryFor(href) !== undefined,
    async ({ request }) => (await precache.match(request)) ?? fetch(request),
  );
}

/**
 * Installs `precache` on the worker's install event and cleans outdated versions on activate, and tells pages
 * the outcome on the `outpost:caching` BroadcastChannel: `outpost:precache-installed` with counts, or
 * `outpost:precache-failed` with every URL that failed and why (the install then fails, so the version that
 * is serving keeps serving). Pages listen with `onPrecacheFailed()` from `@outpost/pwa/client`; the last
 * report is also kept per scope, for `lastPrecacheReport()`.
 */
export function installPrecache(precache: Precache, channelName = CACHING_CHANNEL): void {
  const report = async (outcome: PrecacheMessage) => {
    const message: PrecacheReport = { ...outcome, at: Date.now() };
    broadcast<CachingMessage>(channelName, message);
    // Kept too, for pages that open later: an update check can fail before any page script listens.
    await caches
      .open(REPORT_CACHE)
      .then((cache) => cache.put(precacheReportUrl(self.registration.scope), new Response(JSON.stringify(message))))
      .catch(() => undefined);
  };
  self.addEventListener('install', (event) =>
    event.waitUntil(
      precache.install().then(
        ({ cacheName, fetched, reused }) =>
          report({ type: 'outpost:precache-installed', cacheName, fetched: fetched.length, reused: reused.length }),
        async (error: unknown) => {
          if (error instanceof PrecacheInstallError) {
            await report({ type: 'outpost:precache-failed', failures: error.failures });
          }
          throw error;
        },
      ),
    ),
  );
  self.addEventListener('activate', (event) => event.waitUntil(precache.activate()));
}
