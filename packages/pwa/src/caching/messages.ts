/** The BroadcastChannel the caching capability talks to pages on. */
export const CACHING_CHANNEL = 'outpost:caching';

/** Why one precached file could not be installed (mirrors `PrecacheFailure`). */
export interface PrecacheFailureReport {
  url: string;
  /** HTTP status when the server answered, otherwise null (network error, integrity mismatch). */
  status: number | null;
  reason: string;
}

/**
 * Messages the service worker broadcasts about caching, a discriminated union on `type`.
 * - `outpost:cache-updated`: stale-while-revalidate fetched a version of `url` that differs from the cached one.
 * - `outpost:precache-installed`: a new precache version installed (`fetched` downloaded, `reused` copied).
 * - `outpost:precache-failed`: a new version failed to install; the previous version keeps serving.
 */
export type CachingMessage =
  | { type: 'outpost:cache-updated'; cacheName: string; url: string }
  | { type: 'outpost:precache-installed'; cacheName: string; fetched: number; reused: number }
  | { type: 'outpost:precache-failed'; failures: PrecacheFailureReport[] };

const TYPES = new Set<string>(['outpost:cache-updated', 'outpost:precache-installed', 'outpost:precache-failed']);

/** Narrows an unknown message payload to a {@link CachingMessage}. */
export function isCachingMessage(data: unknown): data is CachingMessage {
  if (typeof data !== 'object' || data === null) return false;
  const type = (data as { type?: unknown }).type;
  return typeof type === 'string' && TYPES.has(type);
}

/** The cache holding the last precache report of each scope; never deleted by an update. */
export const REPORT_CACHE = 'outpost-reports';

/** Where in {@link REPORT_CACHE} the last precache report of `scope` is kept. */
export function precacheReportUrl(scope: string): string {
  return new URL('__outpost/precache-report', scope).href;
}

/** The messages about a precache install: it installed, or it failed. */
export type PrecacheMessage = Extract<
  CachingMessage,
  { type: 'outpost:precache-installed' | 'outpost:precache-failed' }
>;

/** The outcome of the last precache install of a scope, kept for pages that were not open to hear it. */
export type PrecacheReport = PrecacheMessage & {
  /** When the install ended (ms since the epoch). */
  at: number;
};

/** Narrows an unknown value (the stored JSON) to a {@link PrecacheReport}. */
export function isPrecacheReport(data: unknown): data is PrecacheReport {
  if (!isCachingMessage(data) || data.type === 'outpost:cache-updated') return false;
  return typeof (data as { at?: unknown }).at === 'number';
}
