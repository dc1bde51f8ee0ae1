/** What an attempt's result means for its item (the outcome rules of DESIGN.md, "Wire contracts"). */
export type Outcome =
  | { kind: 'sent'; status: number; replayed: boolean; body: string }
  | { kind: 'needs-sign-in'; status: number; reason: string }
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs: number | null }
  | { kind: 'failed'; status: number; reason: string };

/** The parts of an HTTP response the rules look at. */
export interface ResponseSummary {
  status: number;
  /** The `Retry-After` header, if any. */
  retryAfter: string | null;
  /** The `Idempotent-Replayed` header, if any. */
  replayed: string | null;
  /** The body as text (possibly cut short). */
  body: string;
  /** The `Content-Type` header, if any. */
  contentType: string | null;
}

/**
 * Classifies a response: 2xx (including a stored-response replay) is sent; 401 waits for sign-in; 408, 409,
 * 425, 429 and 5xx retry (honouring Retry-After); any other status fails for good with the server's reason.
 *
 * @example
 * ```ts
 * classifyResponse({ status: 503, retryAfter: '30', replayed: null, body: '', contentType: null }, now);
 * // { kind: 'retry', status: 503, error: 'HTTP 503', retryAfterMs: 30000 }
 * ```
 */
export function classifyResponse(response: ResponseSummary, now: number): Outcome {
  const { status } = response;
  if (status >= 200 && status < 300) {
    return { kind: 'sent', status, replayed: response.replayed?.trim().toLowerCase() === 'true', body: response.body };
  }
  const reason = serverReason(response);
  if (status === 401) return { kind: 'needs-sign-in', status, reason };
  // 408, 409, 425, 429 and 5xx say "not now" rather than "no": the same request may well succeed later.
  if ([408, 409, 425, 429].includes(status) || status >= 500) {
    return {
      kind: 'retry',
      status,
      error: `HTTP ${status}: ${reason}`,
      retryAfterMs: parseRetryAfter(response.retryAfter, now),
    };
  }
  return { kind: 'failed', status, reason };
}

/** The outcome of an attempt that got no response (offline, connection reset, DNS, timeout). */
export function networkFailure(error: unknown): Outcome {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'retry', status: null, error: message, retryAfterMs: null };
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
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

const MAX_REASON_LENGTH = 300;

/**
 * The server's explanation in a response: `message`, `detail`, `title` or `error` of a JSON body (Fastify errors
 * and RFC 9457 problem details), else the text body, else `HTTP <status>`. Cut to 300 characters.
 */
export function serverReason(response: Pick<ResponseSummary, 'status' | 'body' | 'contentType'>): string {
  const text = response.body.trim();
  const type = response.contentType ?? '';
  if (/json/i.test(type)) {
    try {
      // JSON.parse throws on an empty body, as on any other non-JSON one: both fall through to the text.
      const parsed: Record<string, unknown> | null = JSON.parse(text);
      for (const field of ['message', 'detail', 'title', 'error']) {
        const value = parsed?.[field];
        if (typeof value === 'string' && value.trim()) return cut(value.trim());
      }
    } catch {
      // Not JSON after all: fall through to the text.
    }
  }
  return text && !/html/i.test(type) ? cut(text) : `HTTP ${response.status}`;
}

function cut(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
