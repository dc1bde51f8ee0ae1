import type { PeriodicOutcome, PeriodicRunRecord } from './record.js';

/**
 * Periodic messages. A page asks the active worker to run a tag with `postMessage` (it wakes a stopped worker);
 * the worker announces every finished run on the BroadcastChannel {@link PERIODIC_CHANNEL}, so every page
 * hears runs started by the browser's `periodicsync` too.
 */
export type PeriodicMessage =
  /** Page -> worker: run `tag` now (the fallback); the answer is the `ran` message with the same `requestId`. */
  | { type: 'outpost:periodic-run'; tag: string; requestId: string }
  /** Worker -> pages: a run ended; `requestId` is null for a run the browser started. */
  | { type: 'outpost:periodic-ran'; tag: string; requestId: string | null; record: PeriodicRunRecord }
  /** Page -> pages: a tag was registered or unregistered here; other tabs re-read their state. */
  | { type: 'outpost:periodic-changed'; tag: string };

/** The BroadcastChannel of periodic runs and registrations. */
export const PERIODIC_CHANNEL = 'outpost:periodic';

const OUTCOMES: readonly PeriodicOutcome[] = ['ok', 'failed', 'timed-out'];

function isRecord(value: unknown): value is PeriodicRunRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<keyof PeriodicRunRecord, unknown>>;
  return (
    typeof r.tag === 'string' &&
    (r.source === 'periodicsync' || r.source === 'fallback') &&
    typeof r.startedAt === 'number' &&
    typeof r.durationMs === 'number' &&
    OUTCOMES.includes(r.outcome as PeriodicOutcome) &&
    (r.lastSuccessAt === null || typeof r.lastSuccessAt === 'number')
  );
}

/** Narrows an unknown message payload to a {@link PeriodicMessage}. */
export function isPeriodicMessage(data: unknown): data is PeriodicMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as { type?: unknown; tag?: unknown; requestId?: unknown; record?: unknown };
  if (typeof m.tag !== 'string') return false;
  switch (m.type) {
    case 'outpost:periodic-run':
      return typeof m.requestId === 'string';
    case 'outpost:periodic-ran':
      return (m.requestId === null || typeof m.requestId === 'string') && isRecord(m.record);
    case 'outpost:periodic-changed':
      return true;
    default:
      return false;
  }
}
