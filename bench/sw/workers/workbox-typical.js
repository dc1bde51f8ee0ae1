// The same typical worker with Workbox 7.
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { clientsClaim } from 'workbox-core';
import { ExpirationPlugin } from 'workbox-expiration';
import * as navigationPreload from 'workbox-navigation-preload';
import { matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute, setCatchHandler } from 'workbox-routing';
import { CacheFirst, NetworkFirst, StaleWhileRevalidate } from 'workbox-strategies';

// BENCH_MANIFEST is replaced at build time (esbuild `define`).

clientsClaim();
navigationPreload.enable();
precacheAndRoute(BENCH_MANIFEST);
registerRoute(
  /\.(?:png|jpg|webp|svg)$/,
  new CacheFirst({ cacheName: 'images', plugins: [new ExpirationPlugin({ maxEntries: 60 })] }),
);
registerRoute(
  /\/api\//,
  new NetworkFirst({
    cacheName: 'api',
    networkTimeoutSeconds: 3,
    plugins: [new CacheableResponsePlugin({ statuses: [0, 200] })],
  }),
);
registerRoute(/\.(?:css|js)$/, new StaleWhileRevalidate({ cacheName: 'static' }));
registerRoute(
  /^https:\/\/fonts\.example\//,
  new CacheFirst({ cacheName: 'fonts', plugins: [new ExpirationPlugin({ maxAgeSeconds: 31_536_000 })] }),
);
registerRoute(new NavigationRoute(new NetworkFirst({ cacheName: 'pages' })));
setCatchHandler(async ({ request }) =>
  request.destination === 'document' ? ((await matchPrecache('index.html')) ?? Response.error()) : Response.error(),
);
