// The bench's worker: handleDownloads first (downloaded URLs answered from the downloads store, 206 for a
// Range), then the router with a CacheFirst route plus the range plugin for /cached/* (the anchor of the seek
// measure: the same bytes answered from Cache Storage).
import { CacheFirst, handleDownloads, listen, Router, rangeRequests } from '@outpost/pwa/sw';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

handleDownloads();
const router = new Router();
router.get('/cached/*', new CacheFirst({ cacheName: 'bench-media', plugins: [rangeRequests()] }));
listen(router, { navigationPreload: false });
