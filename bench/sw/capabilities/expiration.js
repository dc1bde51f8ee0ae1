// Expiration on top of the caching core: the plugin on one more route.
import './caching-core.js';
import { CacheFirst, defaultRouter, expiration } from '@outpost/pwa/sw';

defaultRouter().get(
  '/img/*',
  new CacheFirst({ cacheName: 'img', plugins: [expiration({ maxEntries: 60, maxAgeSeconds: 86_400 })] }),
);
