// A typical app worker with ours, for the size comparison: precache (+ route, + failure report), navigation
// preload, a navigation route and 4 runtime routes, expiration, cacheable-response rules, offline fallback.
import {
  CacheFirst,
  expiration,
  handleLifecycle,
  installPrecache,
  listen,
  NetworkFirst,
  offlineFallback,
  Precache,
  precacheRoute,
  Router,
  StaleWhileRevalidate,
} from '@outpost/pwa/sw';

// BENCH_MANIFEST is replaced at build time (esbuild `define`).

const scope = self.registration.scope;
handleLifecycle();
const precache = new Precache(BENCH_MANIFEST, { scope });
installPrecache(precache);
const router = new Router();
precacheRoute(router, precache);
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
