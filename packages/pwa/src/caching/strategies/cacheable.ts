/** The parts of a response the cacheability rules look at (a `Response` has them all). */
export interface ResponseFacts {
  status: number;
  /** `basic`, `cors`, `opaque`, ... An opaque response (a no-cors cross-origin request) has status 0. */
  type: string;
  headers: { get(name: string): string | null };
}

/**
 * Which responses a strategy may store. Both conditions must hold when both are given.
 *
 * @example
 * ```ts
 * // Cache third-party fonts fetched with no-cors: opt in to opaque responses (status 0) explicitly.
 * const rules: CacheableRules = { statuses: [0, 200] };
 * ```
 */
export interface CacheableRules {
  /** Allowed statuses. Default `[200]`. Include 0 to store opaque responses. */
  statuses?: readonly number[];
  /** Headers that must be present with exactly these values (names case-insensitive). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Whether a response may be written to a cache under `rules`. Whatever the rules say, a partial response (206)
 * is never stored (it is not the resource, and serving it as one corrupts media), and neither is one with
 * `Vary: *` (the Cache API rejects it). Opaque responses are stored only when the rules list status 0: Chrome
 * charges each about 7 MB of quota because their real size is hidden. The default statuses are `[200]`.
 */
export function isCacheable(response: ResponseFacts, rules: CacheableRules = {}): boolean {
  const { headers } = response;
  const status = response.type === 'opaque' ? 0 : response.status;
  return (
    status !== 206 &&
    (rules.statuses ?? [200]).includes(status) &&
    headers.get('vary')?.trim() !== '*' &&
    Object.entries(rules.headers ?? {}).every(([name, value]) => headers.get(name) === value)
  );
}

/** The headers that identify a version of a resource, in the order they are trusted. */
export const VERSION_HEADERS: readonly string[] = ['etag', 'last-modified', 'content-length'];

/**
 * Whether two responses for one URL are different versions, judged by the headers in `headers` that both
 * carry. When they share none of them, nothing can be concluded, and "unchanged" avoids telling pages about
 * updates that did not happen.
 */
export function hasResponseChanged(
  previous: Pick<ResponseFacts, 'headers'>,
  next: Pick<ResponseFacts, 'headers'>,
  headers: readonly string[] = VERSION_HEADERS,
): boolean {
  for (const name of headers) {
    const a = previous.headers.get(name);
    const b = next.headers.get(name);
    if (a !== null && b !== null && a !== b) return true;
  }
  return false;
}
