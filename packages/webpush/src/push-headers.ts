import { PushRequestError } from './errors.js';

/** RFC 8030 section 5.3 urgency levels. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

const URGENCIES: ReadonlySet<string> = new Set(['very-low', 'low', 'normal', 'high']);

/** Four weeks, the longest most push services keep a message (and web-push's default). */
export const DEFAULT_TTL_SECONDS = 4 * 7 * 24 * 60 * 60;

/** The RFC 8030 message headers a send sets. */
export interface PushMessageOptions {
  /** Seconds the push service may keep the message; 0 = deliver now or drop. Four weeks by default. */
  ttl?: number;
  urgency?: Urgency;
  /** Replaces an undelivered message with the same topic: at most 32 base64url characters (RFC 8030 5.4). */
  topic?: string;
}

/**
 * Validates TTL, Urgency and Topic and returns them as headers.
 *
 * @throws {PushRequestError} `invalid-ttl`, `invalid-urgency` or `invalid-topic`.
 */
export function pushMessageHeaders(options: PushMessageOptions): Record<string, string> {
  const ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0xffffffff) {
    throw new PushRequestError('invalid-ttl', `TTL must be a whole number of seconds >= 0, got ${ttl}`);
  }
  const headers: Record<string, string> = { TTL: String(ttl) };
  if (options.urgency !== undefined) {
    if (!URGENCIES.has(options.urgency)) {
      throw new PushRequestError(
        'invalid-urgency',
        `Urgency must be very-low, low, normal or high, got ${JSON.stringify(options.urgency)}`,
      );
    }
    headers.Urgency = options.urgency;
  }
  if (options.topic !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(options.topic)) {
      throw new PushRequestError(
        'invalid-topic',
        `Topic must be 1 to 32 base64url characters (A-Z a-z 0-9 - _), got ${JSON.stringify(options.topic)}`,
      );
    }
    headers.Topic = options.topic;
  }
  return headers;
}
