import type { OutboxItem, OutboxRecord, Recorded, ServerAnswer } from './item.js';

/**
 * The page's wording of what replayers record. Replayers store facts (a server's answer, a span in milliseconds)
 * and the page puts them into words when it reads an item, so none of this weighs on the service worker's bundle.
 */

const MAX_REASON_LENGTH = 300;

/**
 * The server's explanation in an answer: `message`, `detail`, `title` or `error` of a JSON body (Fastify errors
 * and RFC 9457 problem details), else the text body, else `HTTP <status>`. Cut to 300 characters.
 */
export function serverReason(answer: ServerAnswer): string {
  const text = answer.body.trim();
  const type = answer.contentType ?? '';
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
  return text && !/html/i.test(type) ? cut(text) : `HTTP ${answer.status}`;
}

function cut(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

/**
 * A recorded reason as the page shows it: a server's answer in its own words ({@link serverReason}), a retention
 * span as `not sent within 7 days; it was kept, not sent`. Reasons stored in words read as they are, except the
 * span of earlier versions' `not sent within 604800000 ms; …`, which reads in units too.
 */
export function describeReason(reason: Recorded | number | null): string | null {
  if (reason === null) return null;
  if (typeof reason === 'number') return `not sent within ${span(reason)}; it was kept, not sent`;
  const words = typeof reason === 'string' ? reason : serverReason(reason);
  return words.replace(/^(not sent within )(\d+) ms/, (_, start: string, ms: string) => start + span(+ms));
}

/** A recorded last error as the page shows it: a server's answer reads `HTTP <status>: <its reason>`. */
export function describeError(error: Recorded | null): string | null {
  return error === null || typeof error === 'string' ? error : `HTTP ${error.status}: ${serverReason(error)}`;
}

/** An item as recorded, with its reason and last error in words. */
export function inWords(record: OutboxRecord): OutboxItem {
  return { ...record, reason: describeReason(record.reason), lastError: describeError(record.lastError) };
}

const UNITS: [ms: number, name: string][] = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** `7 days`, `36 hours`, `90 seconds`, `15 ms`: the largest unit that divides the span evenly. */
function span(ms: number): string {
  for (const [size, name] of UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}
