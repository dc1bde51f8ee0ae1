/**
 * The request header that binds an item to the account that queued it (the id the app gave `send`). The server's
 * accounts plugin (`@outpost/server`) refuses it in any other account's session, so a request queued by one user
 * is never carried out as another who signed in on the same device.
 */
export const ACCOUNT_HEADER = 'Outpost-Account';

/** The request header that carries an item's key (IETF httpapi "The Idempotency-Key HTTP Header Field"). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/**
 * The header value for a key: the draft defines the field as a Structured Field String, so the key is quoted.
 * Keys are UUIDs, which need no escaping.
 *
 * @example
 * ```ts
 * idempotencyKeyHeaderValue('8e03978e-40d5-43e8-bc93-6894a57f9324'); // '"8e03978e-40d5-43e8-bc93-6894a57f9324"'
 * ```
 */
export function idempotencyKeyHeaderValue(key: string): string {
  return `"${key.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}
