// Pure mapping from a push service's answer to what the application server should do about it.

/** What happened to one message. */
export type SendOutcome = 'delivered' | 'expired' | 'too-large' | 'rate-limited' | 'rejected' | 'failed' | 'invalid';

/** Whether an answer ends the attempt or is worth retrying. */
export type Verdict =
  | { final: true; outcome: SendOutcome; reason?: string }
  | { final: false; outcome: 'rate-limited' | 'failed'; reason: string; retryAfterMs?: number };

/** Parses Retry-After (delay-seconds or an HTTP-date) into milliseconds from `now`; undefined if unusable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP-dates end in GMT in all three RFC 9110 formats; anything else Date.parse happens to accept is not one.
  if (!/GMT$/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Extracts a human reason from an error response: a JSON `reason`/`message`/`error` field (the shapes FCM,
 * Mozilla autopush and Apple use), else the text itself, else the status.
 */
export function responseReason(status: number, text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>;
      for (const field of ['reason', 'message', 'error']) {
        const value = json[field];
        if (typeof value === 'string' && value) return value;
        if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
          return (value as { message: string }).message;
        }
      }
    } catch {
      // not JSON after all: quote it as text
    }
  }
  return trimmed ? trimmed.replace(/\s+/g, ' ').slice(0, 300) : `HTTP ${status}`;
}

/** Classifies an HTTP answer to a push message POST (RFC 8030 section 5 and what real services send). */
export function classifyResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  now: number,
): Verdict {
  // 201 is what RFC 8030 specifies; some services answer 202 or 200.
  if (status >= 200 && status < 300) return { final: true, outcome: 'delivered' };
  const reason = responseReason(status, text);
  if (status === 404 || status === 410) return { final: true, outcome: 'expired', reason };
  if (status === 413) return { final: true, outcome: 'too-large', reason };
  const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
  if (status === 429) return { final: false, outcome: 'rate-limited', reason, retryAfterMs };
  if (status >= 500 || status === 408) return { final: false, outcome: 'failed', reason, retryAfterMs };
  return { final: true, outcome: 'rejected', reason };
}
