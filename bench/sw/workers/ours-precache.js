// Ours: install a precache of BENCH_MANIFEST with BENCH_CONCURRENCY downloads at once.
import { handleLifecycle, installPrecache, Precache, type PrecacheEntry } from '@outpost/pwa/sw';

declare const BENCH_MANIFEST: PrecacheEntry[];
declare const BENCH_CONCURRENCY: number;

const scope = (globalThis as unknown as { registration: { scope: string } }).registration.scope;
handleLifecycle();
installPrecache(new Precache(BENCH_MANIFEST, { scope, concurrency: BENCH_CONCURRENCY }));
