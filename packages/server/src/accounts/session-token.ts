import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;

/** The session cookie's name over plain http (and whenever cookies are not Secure). */
export const SESSION_COOKIE = 'outpost_session';

/**
 * The session cookie's name when cookies are Secure. Browsers accept a `__Host-` cookie only when it is Secure,
 * has `Path=/` and no `Domain`, so neither a sibling subdomain nor an http page can plant or overwrite it.
 */
export const SECURE_SESSION_COOKIE = '__Host-outpost_session';

/** The session cookie's name for this setting of `secureCookies`. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

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
