// Ours: install a precache of BENCH_MANIFEST with BENCH_CONCURRENCY downloads at once.
import { handleLifecycle, installPrecache, Precache } from '@outpost/pwa/sw';

// BENCH_MANIFEST is replaced at build time (esbuild `define`).
// BENCH_CONCURRENCY is replaced at build time (esbuild `define`).

const scope = self.registration.scope;
handleLifecycle();
installPrecache(new Precache(BENCH_MANIFEST, { scope, concurrency: BENCH_CONCURRENCY }));
