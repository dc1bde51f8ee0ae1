import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
import { resolveCrypto } from './crypto-runtime.js';
import type { ContentEncoding } from './encrypt.js';
import { PushCryptoError } from './errors.js';
import { signEs256Jwt } from './jws.js';
import { decodePublicKey } from './keys.js';

/** A VAPID key pair (RFC 8292), base64url: the public key is the uncompressed 65-byte point, the private key d. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** Options for {@link vapidAuthorization}. */
export interface VapidOptions {
  keys: VapidKeys;
  /** Contact for the push service operator: a `mailto:` or `https:` URL (Apple rejects anything else). */
  subject: string;
  /** JWT lifetime; 12 hours by default, at most 24 hours. */
  expiresInSeconds?: number;
  /** Clock in milliseconds; `Date.now()` by default. */
  now?: number;
  crypto?: CryptoBackend;
}

/** RFC 8292 section 2: a push service may reject a token whose exp is more than 24 hours away. */
export const MAX_VAPID_EXPIRATION_SECONDS = 24 * 60 * 60;
/** Token lifetime when none is given: half the 24 h maximum, the margin web-push and most services expect. */
export const DEFAULT_VAPID_EXPIRATION_SECONDS = 12 * 60 * 60;
// A cached token is replaced this long before it expires, so one in flight never arrives stale.
const RENEW_BEFORE_SECONDS = 60 * 60;
const CACHE_LIMIT = 10_000;

/**
 * Makes a fresh VAPID key pair.
 *
 * @example
 * const keys = await generateVapidKeys(); // { publicKey: 'BN…', privateKey: '…' }
 */
export async function generateVapidKeys(backend?: CryptoBackend): Promise<VapidKeys> {
  const crypto = await resolveCrypto(backend);
  const pair = await crypto.generateKeyPair();
  return { publicKey: encodeBase64Url(pair.publicKey), privateKey: encodeBase64Url(pair.privateKey) };
}

/** Decodes and checks a VAPID key pair. */
export function decodeVapidKeys(keys: VapidKeys): RawKeyPair {
  if (keys === null || typeof keys !== 'object') {
    throw new PushCryptoError('invalid-key', 'VAPID keys must be an object with publicKey and privateKey');
  }
  const publicKey = decodePublicKey(keys.publicKey, 'VAPID publicKey');
  let privateKey: Uint8Array;
  try {
    privateKey = decodeBase64Url(keys.privateKey);
  } catch (error) {
    throw new PushCryptoError('invalid-base64', `VAPID privateKey is not base64url: ${(error as Error).message}`);
  }
  if (privateKey.length !== 32) {
    throw new PushCryptoError('invalid-key', `VAPID privateKey must be 32 bytes, got ${privateKey.length}`);
  }
  return { publicKey, privateKey };
}

/** True for the two subject forms push services accept: `mailto:` with an address, or an `https:` URL. */
export function isValidVapidSubject(subject: unknown): subject is string {
  if (typeof subject !== 'string') return false;
  if (/^mailto:[^\s@]+@[^\s@]+$/i.test(subject)) return true;
  if (!/^https:/i.test(subject)) return false;
  try {
    return new URL(subject).host.length > 0;
  } catch {
    return false;
  }
}

/**
 * The VAPID audience of an endpoint: its origin, with the port when it is not the scheme's default.
 *
 * @throws {PushCryptoError} `invalid-endpoint` when it is not an http(s) URL.
 */
export function vapidAudience(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PushCryptoError('invalid-endpoint', `push endpoint is not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PushCryptoError('invalid-endpoint', `push endpoint must be http(s), got ${url.protocol}`);
  }
  return url.origin;
}

interface CachedToken {
  jwt: string;
  publicKey: string;
  exp: number;
}

const tokens = new Map<string, CachedToken>();
// Signatures under way, by cache key: a fan-out's first burst of messages to an origin all miss the cache at
// once, and without this each would sign (a key import and an ECDSA signature each) instead of one.
const signing = new Map<string, Promise<CachedToken>>();

function remember(key: string, token: CachedToken): void {
  if (tokens.size >= CACHE_LIMIT) tokens.delete(tokens.keys().next().value as string);
  tokens.set(key, token);
}

/**
 * Builds the `Authorization: vapid t=<jwt>, k=<public key>` header value for a push endpoint (RFC 8292, what
 * aes128gcm messages carry). The signed JWT is reused for the same audience, key, subject and lifetime until
 * about an hour before it expires, so a fan-out signs once per push service rather than once per message.
 *
 * @throws {PushCryptoError} `invalid-subject`, `invalid-expiration`, `invalid-endpoint`, `invalid-key`.
 * @example
 * headers.Authorization = await vapidAuthorization(sub.endpoint, { keys, subject: 'mailto:ops@example.com' });
 */
export async function vapidAuthorization(endpoint: string, options: VapidOptions): Promise<string> {
  return vapidAuthorizationFor(vapidAudience(endpoint), options);
}

/** {@link vapidAuthorization} for an audience (origin) already known, as a fan-out knows it per message. */
export async function vapidAuthorizationFor(audience: string, options: VapidOptions): Promise<string> {
  const token = await vapidToken(audience, options);
  return `vapid t=${token.jwt}, k=${token.publicKey}`;
}

/**
 * The VAPID headers for a message in the given content encoding. aes128gcm gets RFC 8292's
 * `Authorization: vapid t=…, k=…`. The legacy aesgcm gets the draft-era form that web-push and the services
 * built for aesgcm expect: `Authorization: WebPush <jwt>` with the key in `Crypto-Key: p256ecdsa=<key>`,
 * which the sender joins to the message's own `Crypto-Key: dh=…` (see {@link joinCryptoKey}).
 *
 * @throws {PushCryptoError} as {@link vapidAuthorization}.
 * @example
 * const { Authorization, 'Crypto-Key': cryptoKey } = await vapidHeaders(sub.endpoint, vapid, 'aesgcm');
 */
export async function vapidHeaders(
  endpoint: string,
  options: VapidOptions,
  encoding: ContentEncoding = 'aes128gcm',
): Promise<Record<string, string>> {
  return vapidHeadersFor(vapidAudience(endpoint), options, encoding);
}

/** {@link vapidHeaders} for an audience (origin) already known. */
export async function vapidHeadersFor(
  audience: string,
  options: VapidOptions,
  encoding: ContentEncoding = 'aes128gcm',
): Promise<Record<string, string>> {
  return (await vapidHeadersLease(audience, options, encoding)).headers;
}

/**
 * Adds VAPID headers to a message's headers. A `Crypto-Key` in both (aesgcm: `dh=` from the encryption,
 * `p256ecdsa=` from VAPID) becomes one header, `dh=…;p256ecdsa=…`, the form web-push sends.
 */
export function joinCryptoKey(message: Record<string, string>, vapid: Record<string, string>): Record<string, string> {
  const joined = { ...message, ...vapid };
  const own = message['Crypto-Key'];
  const signed = vapid['Crypto-Key'];
  if (own !== undefined && signed !== undefined) joined['Crypto-Key'] = `${own};${signed}`;
  return joined;
}

/**
 * {@link vapidHeadersFor}, and the span of `Date.now()` times (ms, from inclusive, until exclusive) in which
 * the same call would return the same headers: a sender may reuse them within it without asking again.
 *
 * @throws {PushCryptoError} as {@link vapidAuthorization}.
 */
export async function vapidHeadersLease(
  audience: string,
  options: VapidOptions,
  encoding: ContentEncoding = 'aes128gcm',
): Promise<{ headers: Record<string, string>; from: number; until: number }> {
  const token = await vapidToken(audience, options);
  const headers: Record<string, string> =
    encoding === 'aesgcm'
      ? { Authorization: `WebPush ${token.jwt}`, 'Crypto-Key': `p256ecdsa=${token.publicKey}` }
      : { Authorization: `vapid t=${token.jwt}, k=${token.publicKey}` };
  const lifetime = options.expiresInSeconds ?? DEFAULT_VAPID_EXPIRATION_SECONDS;
  // vapidToken serves the cached token while lifetime >= exp - floor(now / 1000) > renewBefore.
  return {
    headers,
    from: (token.exp - lifetime) * 1000,
    until: (token.exp - renewalMargin(lifetime)) * 1000,
  };
}

function renewalMargin(lifetime: number): number {
  return Math.min(RENEW_BEFORE_SECONDS, Math.floor(lifetime / 2));
}

function usable(token: CachedToken, nowSeconds: number, lifetime: number): boolean {
  const left = token.exp - nowSeconds;
  return left > renewalMargin(lifetime) && left <= lifetime;
}

/** The signed JWT for an audience, from the cache while it has more than the renewal margin left. */
async function vapidToken(audience: string, options: VapidOptions): Promise<CachedToken> {
  if (!isValidVapidSubject(options.subject)) {
    throw new PushCryptoError(
      'invalid-subject',
      `VAPID subject must be a mailto: or https: URL, got ${JSON.stringify(options.subject)}`,
    );
  }
  const lifetime = options.expiresInSeconds ?? DEFAULT_VAPID_EXPIRATION_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > MAX_VAPID_EXPIRATION_SECONDS) {
    throw new PushCryptoError(
      'invalid-expiration',
      `VAPID expiresInSeconds must be an integer from 1 to ${MAX_VAPID_EXPIRATION_SECONDS} (24 h), got ${lifetime}`,
    );
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const cacheKey = `${audience}\n${options.keys.publicKey}\n${options.subject}\n${lifetime}`;
  const cached = tokens.get(cacheKey);
  if (cached && usable(cached, nowSeconds, lifetime)) return cached;
  const pending = signing.get(cacheKey);
  if (pending) {
    // The signature under way is used only if it suits this call's clock too (`now` may differ per call).
    const token = await pending.catch(() => undefined);
    if (token && usable(token, nowSeconds, lifetime)) return token;
  }
  const key = decodeVapidKeys(options.keys);
  const sign = (async () => {
    const crypto = await resolveCrypto(options.crypto);
    const exp = nowSeconds + lifetime;
    const jwt = await signEs256Jwt(crypto, key, { aud: audience, exp, sub: options.subject });
    const token = { jwt, publicKey: encodeBase64Url(key.publicKey), exp };
    remember(cacheKey, token);
    return token;
  })();
  signing.set(cacheKey, sign);
  try {
    return await sign;
  } finally {
    if (signing.get(cacheKey) === sign) signing.delete(cacheKey);
  }
}
