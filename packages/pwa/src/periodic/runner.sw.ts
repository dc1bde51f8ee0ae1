import type { ExpirationIndex } from '../caching/expiration/expiration-tracker.js';
import { type PeriodicRunRecord, type PeriodicSource, type PeriodicSummary, recordRun } from './record.js';
import { type CacheLimits, PeriodicStage } from './stage.sw.js';
import { writeRun } from './store.web.js';

/** What a periodic handler gets. */
export interface PeriodicContext {
  tag: string;
  source: PeriodicSource;
  /** Aborted when the run is over its budget: pass it to `fetch` and stop. */
  signal: AbortSignal;
  /** Put everything the run caches here; it is committed only if the run ends in time. */
  stage: PeriodicStage;
}

/** The work of one tag. Resolves with an optional summary stored in the run record. */
export type PeriodicHandler = (context: PeriodicContext) => Promise<PeriodicSummary | undefined>;

/** A handler with its limits. */
export interface PeriodicHandlerSpec {
  run: PeriodicHandler;
  /** Milliseconds the handler may take before it is stopped and recorded as timed out. Default 60,000. */
  budgetMs?: number;
  /** Expiration limits of the caches it writes (e.g. `{ 'news-images': { maxEntries: 40 } }`). */
  caches?: CacheLimits;
}

/** Options of {@link runPeriodic}. */
export interface RunPeriodicOptions {
  source: PeriodicSource;
  /** Default: the global `caches`. */
  storage?: CacheStorage;
  /** Default: IndexedDB (database `outpost-expiration`). */
  expirationIndex?: (cacheName: string) => ExpirationIndex;
  now?: () => number;
}

/** The default budget of a handler. Chromium stops a worker whose event runs for about 5 minutes. */
export const DEFAULT_BUDGET_MS = 60_000;

/**
 * Runs one handler: gives it an AbortSignal that fires at its budget, commits its stage if it finished in time,
 * and records the run durably (`outpost-periodic`, store `runs`). Never rejects: a failure or a timeout is an
 * outcome in the returned record. A handler that ignores the signal is left behind; its stage is closed, so it
 * can no longer write anything.
 *
 * @example
 * ```ts
 * const record = await runPeriodic('update-news', { run: refreshNews, budgetMs: 30_000 }, { source: 'fallback' });
 * record.outcome; // 'ok' | 'failed' | 'timed-out'
 * ```
 */
export async function runPeriodic(
  tag: string,
  spec: PeriodicHandlerSpec,
  options: RunPeriodicOptions,
): Promise<PeriodicRunRecord> {
  const now = options.now ?? Date.now;
  const budgetMs = spec.budgetMs ?? DEFAULT_BUDGET_MS;
  const startedAt = now();
  const controller = new AbortController();
  const stage = new PeriodicStage(controller.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overBudget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`${tag} ran over its budget of ${budgetMs} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, budgetMs);
  });
  let outcome: PeriodicRunRecord['outcome'] = 'ok';
  let error: string | undefined;
  let summary: PeriodicSummary | undefined;
  try {
    summary = await Promise.race([
      spec.run({ tag, source: options.source, signal: controller.signal, stage }),
      overBudget,
    ]);
    clearTimeout(timer);
    await stage.commit(options.storage ?? caches, spec.caches, options.expirationIndex);
  } catch (caught) {
    outcome = controller.signal.aborted ? 'timed-out' : 'failed';
    error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    stage.discard();
  } finally {
    clearTimeout(timer);
  }
  const run = {
    tag,
    source: options.source,
    startedAt,
    durationMs: Math.max(0, now() - startedAt),
    outcome,
    ...(error === undefined ? {} : { error }),
    ...(summary === undefined ? {} : { summary }),
  };
  try {
    return await writeRun(tag, (previous) => recordRun(previous, run));
  } catch (storeError) {
    // The run happened either way (its caches are committed or not); only its record could not be kept.
    console.warn(`periodic: the record of ${tag} could not be stored:`, storeError);
    return recordRun(undefined, run);
  }
}
