import { describe, expect, it } from 'vitest';
import {
  CAPABILITY_BUDGETS,
  formatCapabilityTable,
  measureCapabilities,
  WORKBOX_RATIO_TARGET,
  workerGzipBytes,
} from '../../../bench/sw/budgets.js';

// The size targets of issue 10 as budgets, so a change that grows the worker past them fails here rather than in
// a bench run nobody reads: each capability within its budget (bench/sw/budgets.ts), and the typical worker with
// the outbox at most 0.85x Workbox's equivalent, both built the way bench (d) builds them, in this run. Size is
// deterministic for given sources; speed is never asserted in tests.

describe('service worker size budget', () => {
  it('each capability stays within its budget (the table is printed)', async () => {
    const rows = await measureCapabilities();
    console.log(formatCapabilityTable(rows));
    for (const row of rows) {
      expect(row.bytes, row.name).toBeGreaterThan(0);
      expect(row.bytes, row.name).toBeLessThanOrEqual(row.budget);
    }
  });

  it('has a row for the worker side of every capability issue 10 lists', () => {
    const entries = CAPABILITY_BUDGETS.map((row) => row.entry);
    for (const entry of [
      'caching-core.js',
      'precache.js',
      'expiration.js',
      'outbox.js',
      'downloads.js',
      'push.js',
      'periodic.js',
    ]) {
      expect(entries).toContain(entry);
    }
  });

  it('the typical worker with the outbox is at most 0.85x Workbox 7 with background sync', async () => {
    const withOutbox = await workerGzipBytes('ours-typical-outbox.js');
    const without = await workerGzipBytes('ours-typical.js');
    const workbox = await workerGzipBytes('workbox-typical-outbox.js');
    console.log(
      `typical worker + outbox: ours ${withOutbox} B, Workbox ${workbox} B, ratio ${(withOutbox / workbox).toFixed(3)}x (target <= ${WORKBOX_RATIO_TARGET}x)`,
    );
    expect(withOutbox).toBeLessThanOrEqual(workbox * WORKBOX_RATIO_TARGET);
    // The outbox is a real part of it, not dropped by the bundler.
    expect(withOutbox - without).toBeGreaterThan(1500);
  });
});
