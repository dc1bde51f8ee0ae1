// Precache on top of the caching core: precacheAndRoute with its navigation fallback.
import './caching-core.js';
import { precacheAndRoute } from '@outpost/pwa/sw';

precacheAndRoute(BENCH_MANIFEST, { navigateFallback: 'index.html', networkTimeoutSeconds: 3 });
