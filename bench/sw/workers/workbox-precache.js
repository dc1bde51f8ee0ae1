// Workbox 7: precacheAndRoute with the same manifest.
import { clientsClaim } from 'workbox-core';
import { precacheAndRoute } from 'workbox-precaching';

declare const BENCH_MANIFEST: { url: string; revision: string | null }[];

clientsClaim();
precacheAndRoute(BENCH_MANIFEST);
