import { handleLifecycle, handleOutbox, precacheAndRoute } from '@outpost/pwa/sw';

declare const self: ServiceWorkerGlobalScope;

// Claim the page on first install (so it works offline without a reload) and let it activate updates.
handleLifecycle();

// The built shell, precached at install, on the worker's one router. Navigations (except /api/) try the network
// for 3 s, then get the precached shell, which routes on the client.
precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST, {
  navigateFallback: 'index.html',
  navigateFallbackDenylist: [/^\/api\//],
  networkTimeoutSeconds: 3,
});

// Mail's outbox: replayed on Background Sync, on messages from pages, on worker start and on fetches.
handleOutbox({ queues: ['mail'] });
