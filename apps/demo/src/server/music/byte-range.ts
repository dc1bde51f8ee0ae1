// The server's side of byte ranges (RFC 9110, section 14), for the Music audio. Written small here because the
// Node server cannot import the pwa package's browser modules; the rules match caching/ranges/range.ts there.

/**
 * How to answer a `Range` header for a body of known size:
 * - `full`: 200 with the whole body (no header, another unit, several ranges, or invalid syntax, which RFC 9110
 *   lets a server ignore);
 * - `partial`: 206 with bytes `start..end`, both inclusive;
 * - `unsatisfiable`: 416 with `Content-Range: bytes *\/size`.
 */
export type ByteRange = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * Decides the answer to `header` for `size` bytes: one range only, `bytes=a-b`, the open range `bytes=a-` and the
 * suffix `bytes=-n`. An end past the body is clamped, a suffix longer than the body means all of it; a start at
 * or past the end, or a zero-length suffix, is unsatisfiable.
 *
 * @example
 * ```ts
 * byteRange('bytes=-100', 1000); // { kind: 'partial', start: 900, end: 999 }
 * ```
 */
export function byteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header);
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = digits(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    if (size === 0) return { kind: 'full' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = digits(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : digits(last);
  if (end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** Digits to a number; more digits than a double holds exactly means "larger than any body". */
function digits(text: string): number {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
}

/**
 * Whether an `If-Range` lets the `Range` apply: absent, or exactly the current strong ETag. A date never matches
 * (the audio has no `Last-Modified`), nor does a weak tag (RFC 9110, section 13.1.5): the answer is then the
 * whole, current body, so a client never splices bytes of two versions.
 */
export function ifRangeAllows(ifRange: string | undefined, etag: string): boolean {
  if (ifRange === undefined) return true;
  return ifRange.trim() === etag && !etag.startsWith('W/');
}
