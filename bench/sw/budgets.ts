// Size budgets of @outpost/pwa's service-worker side, one row per capability, shared by the size-budget test
// (packages/pwa/test/size-budget.test.ts, which fails when a row is over budget) and bench (d), which print the
// same table. A capability's size is the gzip bytes it adds to a worker: its entry in capabilities/ bundled,
// minus the entry it builds on (`over`), built the way every bench builds a worker (bench/worker-bundle.ts).
// A new capability adds a row and an entry file; a budget is raised only deliberately, in its own commit.
import { fileURLToPath } from 'node:url';
import { bundleWorker, gzipBytes } from '../worker-bundle.js';

/** One capability's budget. */
export interface CapabilityBudget {
  /** What the table calls it. */
  name: string;
  /** Its entry in bench/sw/capabilities/. */
  entry: string;
  /** The entry it builds on, whose bytes are subtracted; `empty.js` for a standalone capability. */
  over: string;
  /** Gzip bytes it may add; set with at least 15% headroom over its size when set. */
  budget: number;
}

/** The capabilities and their budgets (gzip bytes). */
export const CAPABILITY_BUDGETS: readonly CapabilityBudget[] = [
  { name: 'caching core (router, listen, 3 strategies)', entry: 'caching-core.js', over: 'empty.js', budget: 3600 },
  { name: 'precache (precacheAndRoute + fallback)', entry: 'precache.js', over: 'caching-core.js', budget: 2000 },
  { name: 'expiration', entry: 'expiration.js', over: 'caching-core.js', budget: 1500 },
  { name: 'lifecycle', entry: 'lifecycle.js', over: 'empty.js', budget: 200 },
  { name: 'outbox (worker side)', entry: 'outbox.js', over: 'empty.js', budget: 3600 },
  { name: 'downloads (handleDownloads)', entry: 'downloads.js', over: 'empty.js', budget: 4000 },
  // Over the outbox: push sends its action requests and replaced subscriptions through it (the chat worker).
  { name: 'push + badge (handlePush, over the outbox)', entry: 'push.js', over: 'outbox.js', budget: 5500 },
  { name: 'periodic (handlePeriodic)', entry: 'periodic.js', over: 'empty.js', budget: 3400 },
];

/** The typical worker with the outbox may weigh at most this share of Workbox's equivalent (issue 10). */
export const WORKBOX_RATIO_TARGET = 0.85;

/** A measured row. */
export interface CapabilitySize extends CapabilityBudget {
  bytes: number;
  /** 1 - bytes / budget. */
  headroom: number;
}

const entryPath = (name: string) => fileURLToPath(new URL(`./capabilities/${name}`, import.meta.url));
const workerPath = (name: string) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));

/** Gzip bytes of a bundled entry (BENCH_MANIFEST empty, as in bench (d)). */
export async function entryGzipBytes(path: string): Promise<number> {
  return gzipBytes(await bundleWorker(path, { BENCH_MANIFEST: '[]' }));
}

/** Measures every capability against its budget. */
export async function measureCapabilities(): Promise<CapabilitySize[]> {
  const cache = new Map<string, Promise<number>>();
  const size = (name: string) => {
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = entryGzipBytes(entryPath(name));
      cache.set(name, bytes);
    }
    return bytes;
  };
  return Promise.all(
    CAPABILITY_BUDGETS.map(async (row) => {
      const bytes = (await size(row.entry)) - (await size(row.over));
      return { ...row, bytes, headroom: 1 - bytes / row.budget };
    }),
  );
}

/** Gzip bytes of a bench/sw/workers/ worker. */
export function workerGzipBytes(name: string): Promise<number> {
  return entryGzipBytes(workerPath(name));
}

/** The table bench (d) and the size-budget test print. */
export function formatCapabilityTable(rows: readonly CapabilitySize[]): string {
  const lines = rows.map(
    (row) =>
      `  ${row.name.padEnd(46)} ${String(row.bytes).padStart(6)} B  budget ${String(row.budget).padStart(6)} B  ` +
      `headroom ${(row.headroom * 100).toFixed(0).padStart(3)}%${row.bytes > row.budget ? '  OVER BUDGET' : ''}`,
  );
  return ['per capability (gzip bytes it adds to a worker):', ...lines].join('\n');
}
