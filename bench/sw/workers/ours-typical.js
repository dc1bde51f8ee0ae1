// A typical app worker with ours, for the size comparison, wired the one way (docs/caching.md): precache (+ route,
// + failure report) on the worker's router, navigation preload, a navigation route and 4 runtime routes,
// expiration, cacheable-response rules, offline fallback.
import {
  CacheFirst,
  expiration,
  handleLifecycle,
  listen,
  NetworkFirst,
  offlineFallback,
  precacheAndRoute,
  Router,
  StaleWhileRevalidate,
} from '@outpost/pwa/sw';

// BENCH_MANIFEST is replaced at build time (esbuild `define`).

handleLifecycle();
const router = new Router();
const precache = precacheAndRoute(BENCH_MANIFEST, { router });
router
  .get(/\.(?:png|jpg|webp|svg)$/, new CacheFirst({ cacheName: 'images', plugins: [expiration({ maxEntries: 60 })] }))
  .get('/api/*', new NetworkFirst({ cacheName: 'api', networkTimeoutSeconds: 3, cacheable: { statuses: [0, 200] } }))
  .get(/\.(?:css|js)$/, new StaleWhileRevalidate({ cacheName: 'static' }))
  .get(
    'https://fonts.example/*',
    new CacheFirst({ cacheName: 'fonts', plugins: [expiration({ maxAgeSeconds: 31_536_000 })] }),
  )
  .navigation(new NetworkFirst({ cacheName: 'pages' }))
  .setCatchHandler(offlineFallback({ precache, page: 'index.html' }));
listen(router);
