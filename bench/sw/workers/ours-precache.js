// Ours: install a precache of BENCH_MANIFEST with BENCH_CONCURRENCY downloads at once.
import { handleLifecycle, precacheAndRoute } from '@outpost/pwa/sw';

// BENCH_MANIFEST is replaced at build time (esbuild `define`).
// BENCH_CONCURRENCY is replaced at build time (esbuild `define`).

handleLifecycle();
precacheAndRoute(BENCH_MANIFEST, { concurrency: BENCH_CONCURRENCY });
