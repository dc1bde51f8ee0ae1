/** How a run ended: `ok` (committed), `failed` (threw; nothing committed), `timed-out` (over its budget). */
export type PeriodicOutcome = 'ok' | 'failed' | 'timed-out';

/** What started a run: the browser's `periodicsync` event, or a page's fallback on launch / visibility. */
export type PeriodicSource = 'periodicsync' | 'fallback';

/** A handler's own summary of a run (e.g. `{ added: 1 }`), stored with the run record. */
export type PeriodicSummary = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The durable record of a tag's last run, kept in IndexedDB (`outpost-periodic`, store `runs`), written by
 * whoever ran it and readable by every page.
 */
export interface PeriodicRunRecord {
  tag: string;
  source: PeriodicSource;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  outcome: PeriodicOutcome;
  /** Why it failed or timed out. */
  error?: string;
  /** What the handler returned. */
  summary?: PeriodicSummary;
  /** When the last `ok` run started (this one or an earlier one); null when none ever succeeded. */
  lastSuccessAt: number | null;
}

/** A periodic tag: 1-64 of `[A-Za-z0-9._:-]`. */
export function isValidTag(tag: string): boolean {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(tag);
}

/**
 * Whether the fallback should run a tag now. Due when it never ran, when its last run started at least
 * `minIntervalMs` ago, or — after a run that did not succeed — at least `retryAfterMs` ago (so a launch while
 * offline does not cost a whole interval). A last run in the future (a clock set back) counts as due.
 */
export function isDue(
  record: Pick<PeriodicRunRecord, 'startedAt' | 'outcome'> | undefined,
  now: number,
  minIntervalMs: number,
  retryAfterMs: number,
): boolean {
  if (!record) return true;
  const elapsed = now - record.startedAt;
  if (elapsed < 0) return true;
  const wait = record.outcome === 'ok' ? minIntervalMs : Math.min(minIntervalMs, retryAfterMs);
  return elapsed >= wait;
}

/** The record of a run that ended now; keeps the previous record's `lastSuccessAt` unless this one succeeded. */
export function recordRun(
  previous: PeriodicRunRecord | undefined,
  run: Omit<PeriodicRunRecord, 'lastSuccessAt'>,
): PeriodicRunRecord {
  return { ...run, lastSuccessAt: run.outcome === 'ok' ? run.startedAt : (previous?.lastSuccessAt ?? null) };
}
