/**
 * What a `Range` request header asks of a representation of known size (RFC 9110, section 14).
 * - `full`: answer 200 with the whole body (no header, another unit, several ranges, or a header that is not
 *   valid syntax — RFC 9110 lets a server ignore a Range it will not or cannot serve).
 * - `partial`: answer 206 with bytes `start..end` (both inclusive, `end < size`).
 * - `unsatisfiable`: answer 416 with `Content-Range: bytes *\/size`.
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * Decides how to answer `header` for a body of `size` bytes. One range only: `bytes=a-b`, the open range
 * `bytes=a-` and the suffix `bytes=-n`. An end past the body is clamped; a suffix longer than the body means
 * the whole body; a start at or past the end of the body, or a zero-length suffix, is unsatisfiable.
 *
 * @example
 * ```ts
 * decideRange('bytes=0-99', 1000);   // { kind: 'partial', start: 0, end: 99 }
 * decideRange('bytes=-100', 1000);   // { kind: 'partial', start: 900, end: 999 }
 * decideRange('bytes=500-', 1000);   // { kind: 'partial', start: 500, end: 999 }
 * decideRange('bytes=1000-', 1000);  // { kind: 'unsatisfiable' }
 * ```
 */
export function decideRange(header: string | null | undefined, size: number): RangeDecision {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid representation size ${size}`);
  if (!header) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(header);
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = toNumber(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    // An empty body has no bytes to return; its whole (empty) self is the honest answer.
    if (size === 0) return { kind: 'full' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = toNumber(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : toNumber(last);
  if (end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** Digits to a number; more digits than a double holds exactly means "larger than any body". */
function toNumber(digits: string): number {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
}

/** The `Content-Range` value of a 206 (`bytes 0-99/1000`) or, without a range, of a 416 (`bytes *\/1000`). */
export function contentRange(size: number, range?: { start: number; end: number }): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
