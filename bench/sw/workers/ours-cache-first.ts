// Ours: cache first for /data/*, behind BENCH_ROUTE_PADDING routes that never match (router overhead).
import { CacheFirst, handleLifecycle, listen, Router } from '@outpost/pwa/sw';

declare const BENCH_ROUTE_PADDING: number;

handleLifecycle();
const router = new Router();
const unused = new CacheFirst({ cacheName: 'unused' });
for (let i = 0; i < BENCH_ROUTE_PADDING; i++) router.get(`/unused-${i}/:id`, unused);
router.get('/data/*', new CacheFirst({ cacheName: 'ours' }));
listen(router, { navigationPreload: false });
