/** The request header that carries the key (IETF httpapi draft "The Idempotency-Key HTTP Header Field"). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Set to `true` on a response that is a stored copy rather than a new execution. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Longest key accepted; UUIDs (36 characters) are the expected shape. */
export const MAX_KEY_LENGTH = 255;

/** Why a header value is not a usable key. */
export class InvalidIdempotencyKeyError extends Error {
  override readonly name = 'InvalidIdempotencyKeyError';
}

/**
 * The key in an `Idempotency-Key` header value.
 *
 * The draft defines the field as a Structured Field String (`"8e03978e-40d5-43e8-bc93-6894a57f9324"`); many
 * clients send the bare value, so an unquoted value of visible ASCII characters is accepted too.
 *
 * @example
 * ```ts
 * parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"'); // '8e03978e-40d5-43e8-bc93-6894a57f9324'
 * ```
 * @throws InvalidIdempotencyKeyError for an empty, over-long, badly quoted or non-ASCII value.
 */
export function parseIdempotencyKey(value: string): string {
  const trimmed = value.trim();
  const key = trimmed.startsWith('"') ? parseStructuredString(trimmed) : parseBareKey(trimmed);
  if (key.length === 0) throw new InvalidIdempotencyKeyError('Idempotency-Key is empty');
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidIdempotencyKeyError(`Idempotency-Key is longer than ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

function parseBareKey(value: string): string {
  if (!/^[\x21-\x7e]*$/.test(value) || value.includes('"')) {
    throw new InvalidIdempotencyKeyError('Idempotency-Key must be a quoted string or visible ASCII without spaces');
  }
  return value;
}

/** RFC 8941 section 4.2.5: a quoted string of printable ASCII where only `"` and `\` may be escaped. */
function parseStructuredString(value: string): string {
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const char = value[i] as string;
    if (char === '\\') {
      const next = value[i + 1];
      if (next !== '"' && next !== '\\') throw new InvalidIdempotencyKeyError('Idempotency-Key has a bad escape');
      out += next;
      i++;
    } else if (char === '"') {
      if (i !== value.length - 1) throw new InvalidIdempotencyKeyError('Idempotency-Key has text after its string');
      return out;
    } else if (char < ' ' || char > '~') {
      throw new InvalidIdempotencyKeyError('Idempotency-Key may only contain printable ASCII');
    } else {
      out += char;
    }
  }
  throw new InvalidIdempotencyKeyError('Idempotency-Key has no closing quote');
}
