// Workbox 7: the same cache-first route, behind the same number of never-matching routes.
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { getOrCreateDefaultRouter } from 'workbox-routing/utils/getOrCreateDefaultRouter.js';
import { CacheFirst } from 'workbox-strategies';

// BENCH_ROUTE_PADDING is replaced at build time (esbuild `define`).

clientsClaim();
const unused = new CacheFirst({ cacheName: 'unused' });
for (let i = 0; i < BENCH_ROUTE_PADDING; i++) {
  registerRoute(new RegExp(`/unused-${i}/[^/]+$`), unused);
}
registerRoute(({ url }) => url.pathname.startsWith('/data/'), new CacheFirst({ cacheName: 'workbox' }));

// The same router micro-benchmark on Workbox's default router (`findMatchingRoute`, match only).
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'route-bench') return;
  const router = getOrCreateDefaultRouter();
  const request = new Request(new URL('/data/7', location.href));
  const iterations = event.data.iterations;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const url = new URL(request.url);
    router.findMatchingRoute({ url, sameOrigin: url.origin === location.origin, request, event });
  }
  new BroadcastChannel('bench').postMessage(((performance.now() - start) * 1000) / iterations);
});
