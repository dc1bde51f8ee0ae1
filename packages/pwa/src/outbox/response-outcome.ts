import type { Recorded, ServerAnswer } from './item.js';

/**
 * What an attempt's result means for its item (the outcome rules of docs/outbox.md). A refusal
 * carries the server's answer as it came, unworded: the page words it when it reads the item (`words.ts`).
 */
export type Outcome =
  | { kind: 'sent'; status: number; body: string }
  | { kind: 'needs-sign-in'; status: number; reason: Recorded }
  | { kind: 'retry'; status: number | null; error: Recorded; retryAfterMs: number | null }
  | { kind: 'failed'; status: number; reason: Recorded };

/** The parts of an HTTP response the rules look at. */
export interface ResponseSummary extends ServerAnswer {
  /** The `Retry-After` header, if any. */
  retryAfter: string | null;
}

/**
 * Classifies a response: 2xx (including a stored-response replay) is sent; 401 (no session, or another account's:
 * the server's `OUTPOST_ACCOUNT_MISMATCH`) waits for sign-in; 408, 409,
 * 425, 429 and 5xx retry (honouring Retry-After); any other status fails for good. Every refusal records
 * `response` itself as its answer (the page puts it into words, see `describeReason` and `describeError`).
 *
 * @example
 * ```ts
 * classifyResponse({ status: 503, retryAfter: '30', body: '', contentType: null }, now);
 * // { kind: 'retry', status: 503, error: <that response>, retryAfterMs: 30000 }
 * ```
 */
export function classifyResponse(response: ResponseSummary, now: number): Outcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'sent', status, body: response.body };
  if (status === 401) return { kind: 'needs-sign-in', status, reason: response };
  // 408, 409, 425, 429 and 5xx say "not now" rather than "no": the same request may well succeed later.
  if ([408, 409, 425, 429].includes(status) || status >= 500) {
    return { kind: 'retry', status, error: response, retryAfterMs: parseRetryAfter(response.retryAfter, now) };
  }
  return { kind: 'failed', status, reason: response };
}

/**
 * The outcome of an attempt that got no response (offline, connection reset, DNS, timeout). The error is
 * recorded as it prints: `TypeError: Failed to fetch`, `TimeoutError: signal timed out`.
 */
export function networkFailure(error: unknown): Outcome {
  // An Error (a DOMException too) prints as `<name>: <message>`, anything else as itself.
  return { kind: 'retry', status: null, error: String(error), retryAfterMs: null };
}

/**
 * Milliseconds from `now` that a `Retry-After` value asks for: delta-seconds or an HTTP-date (RFC 9110 10.2.3).
 * Null when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  const trimmed = value?.trim() ?? '';
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with the day's name; this keeps Date.parse from reading '-3' as a year.
  const date = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  // NaN (unreadable) fails the comparison; so would a date before 1970, which no server means.
  return date >= 0 ? Math.max(0, date - now) : null;
}
