// Workbox 7: precacheAndRoute with the same manifest.
import { clientsClaim } from 'workbox-core';
import { precacheAndRoute } from 'workbox-precaching';

// BENCH_MANIFEST is replaced at build time (esbuild `define`).

clientsClaim();
precacheAndRoute(BENCH_MANIFEST);
