import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleWorker, gzipBytes } from '../../../bench/worker-bundle.js';

// The size target as a budget, so a change that grows the worker past it fails here rather than in a
// bench run nobody reads. The worker is bench/sw's "typical" one (the same file bench (d) measures), built the
// way that bench builds it. Size is deterministic for given sources; speed is never asserted in tests.

/** Minified and gzipped bytes of a bench worker, as `npm run bench -- sw` part (d) measures them. */
async function workerGzipBytes(worker: string): Promise<number> {
  const entry = fileURLToPath(new URL(`../../../bench/sw/workers/${worker}`, import.meta.url));
  return gzipBytes(await bundleWorker(entry, { BENCH_MANIFEST: '[]' }));
}

describe('service worker size budget', () => {
  it('a typical worker with the outbox stays within 8 KB (8,192 bytes) gzipped', async () => {
    const withOutbox = await workerGzipBytes('ours-typical-outbox.js');
    const without = await workerGzipBytes('ours-typical.js');
    expect(withOutbox).toBeLessThanOrEqual(8192);
    // The outbox is a real part of it, not dropped by the bundler.
    expect(withOutbox - without).toBeGreaterThan(1500);
  });
});
