// Parsing the Content-Range a server sends back, the mirror of caching/range.ts (which decides what to send).
// A resumed download splices new bytes onto stored ones, so anything not exactly `bytes a-b/n` that fits is
// refused rather than guessed at: a wrong splice is a corrupt file nobody notices until it plays.

/**
 * A parsed `Content-Range` (RFC 9110, section 14.4):
 * - `range`: bytes `start..end` (inclusive) of a representation of `size` bytes, or of unknown size (`*`);
 * - `unsatisfied`: the `bytes *\/size` of a 416.
 */
export type ParsedContentRange =
  | { kind: 'range'; start: number; end: number; size: number | undefined }
  | { kind: 'unsatisfied'; size: number };

const RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;
const UNSATISFIED = /^bytes \*\/(\d+)$/;

/**
 * Parses a `Content-Range` header value strictly; null for anything malformed or inconsistent (`end < start`,
 * `end >= size`, numbers past 2^53).
 *
 * @example
 * ```ts
 * parseContentRange('bytes 100-199/1000'); // { kind: 'range', start: 100, end: 199, size: 1000 }
 * parseContentRange('bytes *\/1000');      // { kind: 'unsatisfied', size: 1000 }
 * parseContentRange('bytes 5-1/1000');     // null
 * ```
 */
export function parseContentRange(header: string | null | undefined): ParsedContentRange | null {
  if (!header) return null;
  const value = header.trim();
  const unsatisfied = UNSATISFIED.exec(value);
  if (unsatisfied) {
    const size = toSafe(unsatisfied[1]);
    return size === undefined ? null : { kind: 'unsatisfied', size };
  }
  const match = RANGE.exec(value);
  if (!match) return null;
  const start = toSafe(match[1]);
  const end = toSafe(match[2]);
  const size = match[3] === '*' ? undefined : toSafe(match[3]);
  if (start === undefined || end === undefined || end < start) return null;
  if (match[3] !== '*' && (size === undefined || end >= size)) return null;
  return { kind: 'range', start, end, size };
}

function toSafe(digits: string | undefined): number | undefined {
  if (digits === undefined) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}
