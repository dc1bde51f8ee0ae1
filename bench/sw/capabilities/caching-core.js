// Caching core: a router on the fetch event with the three everyday strategies.
import { CacheFirst, listen, NetworkFirst, Router, StaleWhileRevalidate } from '@outpost/pwa/sw';

const router = new Router();
router
  .get('/assets/*', new CacheFirst({ cacheName: 'assets' }))
  .get('/api/*', new NetworkFirst({ cacheName: 'api', networkTimeoutSeconds: 3 }))
  .get('/feed/*', new StaleWhileRevalidate({ cacheName: 'feed' }));
listen(router);
