import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;

/** The session cookie's name. */
export const SESSION_COOKIE = 'outpost_session';

/** A new session token: 32 random bytes as unpadded base64url, the cookie value the browser holds. */
export function newSessionToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * The server-side key of a session: SHA-256 of the token (hex). A leaked database therefore holds no usable cookie.
 * Returns null for a value that is not a well-formed token, so garbage never reaches a query.
 */
export function sessionKey(token: string | undefined): string | null {
  if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== TOKEN_BYTES) return null;
  return createHash('sha256').update(bytes).digest('hex');
}
