// Workbox 7: the same cache-first route, behind the same number of never-matching routes.
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';

declare const BENCH_ROUTE_PADDING: number;

clientsClaim();
const unused = new CacheFirst({ cacheName: 'unused' });
for (let i = 0; i < BENCH_ROUTE_PADDING; i++) {
  registerRoute(new RegExp(`/unused-${i}/[^/]+$`), unused);
}
registerRoute(({ url }) => url.pathname.startsWith('/data/'), new CacheFirst({ cacheName: 'workbox' }));
