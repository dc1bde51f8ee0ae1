// Ours: cache first for /data/*, behind BENCH_ROUTE_PADDING routes that never match (router overhead).
import { CacheFirst, handleLifecycle, listen, Router } from '@outpost/pwa/sw';

// BENCH_ROUTE_PADDING is replaced at build time (esbuild `define`).

handleLifecycle();
const router = new Router();
const unused = new CacheFirst({ cacheName: 'unused' });
for (let i = 0; i < BENCH_ROUTE_PADDING; i++) router.get(`/unused-${i}/:id`, unused);
router.get('/data/*', new CacheFirst({ cacheName: 'ours' }));
listen(router, { navigationPreload: false });

// Router micro-benchmark: on a 'route-bench' message, time `findRoute` (match only, no handler) for a /data/
// URL and report µs per lookup on the `bench` channel. Isolates routing from the cache and IPC costs.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'route-bench') return;
  const request = new Request(new URL('/data/7', location.href));
  const iterations = event.data.iterations;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) router.findRoute(request);
  new BroadcastChannel('bench').postMessage(((performance.now() - start) * 1000) / iterations);
});
