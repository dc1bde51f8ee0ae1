// The resume arithmetic of a fallback download, as pure functions: which headers ask for the rest of a file,
// and what a server's answer means for the bytes already stored. The one rule behind all of it: stored bytes
// are only ever continued by bytes proven to come from the same version of the same file, at the right offset.
// Anything else starts the file over from byte 0; nothing is ever spliced on a guess.

import { parseContentRange } from './content-range.js';

/** What identifies one version of a file, as the server described it. */
export interface Validator {
  /** The `ETag`, verbatim (`"abc"` or `W/"abc"`). */
  etag?: string;
  /** The `Last-Modified` date, verbatim. */
  lastModified?: string;
  /** The `Date` of the response that carried `lastModified` (it decides whether that date is strong). */
  date?: string;
}

/** How far a file has come: bytes stored from offset 0, its size if known, and the version they belong to. */
export interface StoredProgress {
  stored: number;
  size: number | undefined;
  validator: Validator;
}

/** The headers of a response that {@link decideResume} reads. */
export interface ResponseFacts {
  status: number;
  contentRange: string | null;
  contentLength: string | null;
  etag: string | null;
  lastModified: string | null;
  date: string | null;
}

/**
 * What to do with a response to a (possibly ranged) request:
 * - `append`: a 206 that continues the stored bytes exactly; write its body at `offset`.
 * - `restart`: a 200, the whole file (a new version, or the server ignored the range); drop the stored bytes
 *   and write this body from 0.
 * - `start-over`: a ranged answer that cannot be trusted (wrong offset, changed size or validator, malformed
 *   `Content-Range`, 416); drop the stored bytes and ask again without a range.
 * - `retry`: a transient status (408, 429, 5xx); ask again later from where the bytes stand.
 * - `bad-status`: any other status; the download fails.
 */
export type ResumeDecision =
  | { kind: 'append'; offset: number; size: number | undefined; validator: Validator }
  | { kind: 'restart'; size: number | undefined; validator: Validator }
  | { kind: 'start-over'; why: string }
  | { kind: 'retry'; status: number }
  | { kind: 'bad-status'; status: number };

/** An entity tag is strong unless it carries the `W/` prefix (RFC 9110, section 8.8.3). */
export function isStrongEtag(etag: string | undefined): etag is string {
  return etag !== undefined && /^"[^"]*"$/.test(etag);
}

/**
 * The `If-Range` value that proves stored bytes belong to the current version: a strong ETag, or else a
 * `Last-Modified` date at least 60 s older than the `Date` it came with (the rule that makes a date strong,
 * RFC 9110, section 8.8.2.2). Undefined when the validator cannot prove anything: such a file is never resumed.
 */
export function ifRangeValue(validator: Validator): string | undefined {
  if (isStrongEtag(validator.etag)) return validator.etag;
  const { lastModified, date } = validator;
  if (!lastModified || !date) return undefined;
  const modified = Date.parse(lastModified);
  const sent = Date.parse(date);
  if (Number.isNaN(modified) || Number.isNaN(sent)) return undefined;
  return sent - modified >= 60_000 ? lastModified : undefined;
}

/**
 * The headers that ask for the rest of a file: `Range: bytes=<stored>-` with `If-Range`, or none (ask for the
 * whole file) when nothing is stored, the file is already whole, or the stored bytes cannot be proven current.
 *
 * @example
 * ```ts
 * resumeHeaders({ stored: 4096, size: 10_000, validator: { etag: '"v1"' } });
 * // { range: 'bytes=4096-', 'if-range': '"v1"' }
 * ```
 */
export function resumeHeaders(progress: StoredProgress): Record<string, string> {
  const { stored, size } = progress;
  if (stored <= 0 || (size !== undefined && stored >= size)) return {};
  const ifRange = ifRangeValue(progress.validator);
  return ifRange ? { range: `bytes=${stored}-`, 'if-range': ifRange } : {};
}

/** The validator a response carries. */
export function validatorOf(response: ResponseFacts): Validator {
  const validator: Validator = {};
  if (response.etag) validator.etag = response.etag;
  if (response.lastModified) validator.lastModified = response.lastModified;
  if (response.date) validator.date = response.date;
  return validator;
}

/**
 * Decides what a response means for the stored bytes, given the progress the request was made from and
 * whether it carried a `Range` (see {@link resumeHeaders}).
 *
 * @example
 * ```ts
 * const asked = { stored: 100, size: 1000, validator: { etag: '"v1"' } };
 * decideResume(asked, { status: 206, contentRange: 'bytes 100-999/1000', contentLength: '900',
 *   etag: '"v1"', lastModified: null, date: null }, true);
 * // { kind: 'append', offset: 100, size: 1000, validator: { etag: '"v1"' } }
 * ```
 */
export function decideResume(asked: StoredProgress, response: ResponseFacts, ranged: boolean): ResumeDecision {
  const { status } = response;
  if (status === 200)
    return { kind: 'restart', size: lengthOf(response.contentLength), validator: validatorOf(response) };
  if (status === 206) {
    // A 206 to a request without Range cannot be placed anywhere: the server is broken, not the file changed.
    if (!ranged) return { kind: 'bad-status', status };
    const range = parseContentRange(response.contentRange);
    if (range?.kind !== 'range') return { kind: 'start-over', why: 'malformed Content-Range' };
    if (range.start !== asked.stored)
      return { kind: 'start-over', why: `206 starts at ${range.start}, not ${asked.stored}` };
    if (asked.size !== undefined && range.size !== undefined && range.size !== asked.size) {
      return { kind: 'start-over', why: `size changed from ${asked.size} to ${range.size}` };
    }
    if (response.etag && asked.validator.etag && response.etag !== asked.validator.etag) {
      return { kind: 'start-over', why: 'ETag changed' };
    }
    const length = lengthOf(response.contentLength);
    if (length !== undefined && length !== range.end - range.start + 1) {
      return { kind: 'start-over', why: 'Content-Length does not match Content-Range' };
    }
    return { kind: 'append', offset: asked.stored, size: range.size ?? asked.size, validator: asked.validator };
  }
  if (status === 416) return { kind: 'start-over', why: '416: the file is shorter than the bytes stored' };
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return { kind: 'retry', status };
  return { kind: 'bad-status', status };
}

/** A `Content-Length` as a number; undefined when absent or not a plain non-negative integer. */
export function lengthOf(header: string | null | undefined): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  const value = Number(header.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * The total of several sizes, or undefined as soon as one is unknown: Background Fetch fails a fetch whose
 * `downloadTotal` is too small, so a total is given only when every part of it is known.
 */
export function totalOf(sizes: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const size of sizes) {
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}

/** The delay before retry `attempt` (0-based) after a network loss or transient status: 1 s doubling to 15 s. */
export function retryDelayMs(attempt: number, baseMs = 1000, maxMs = 15_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
}
