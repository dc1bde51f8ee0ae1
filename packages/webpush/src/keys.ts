import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import type { CryptoBackend } from './crypto-backend.js';
import { resolveCrypto } from './crypto-runtime.js';
import { PushCryptoError } from './errors.js';
import { isP256Point } from './p256.js';

/** The `keys` of a PushSubscription: the user agent's ECDH public key and auth secret, base64url. */
export interface PushSubscriptionKeys {
  p256dh: string;
  auth: string;
}

/** What `PushSubscription.toJSON()` returns in a browser, and what application servers store. */
export interface PushSubscriptionJSON {
  endpoint: string;
  expirationTime?: number | null;
  keys: PushSubscriptionKeys;
}

/** A user agent's push keys: what a browser keeps for a subscription, and what it needs to decrypt. */
export interface UserAgentKeys {
  /** Uncompressed P-256 point, 65 bytes. */
  publicKey: Uint8Array;
  /** Private scalar d, 32 bytes. */
  privateKey: Uint8Array;
  /** Authentication secret, 16 bytes. */
  auth: Uint8Array;
}

/** Subscription keys decoded and checked. */
export interface DecodedSubscriptionKeys {
  p256dh: Uint8Array;
  auth: Uint8Array;
}

function decodeKey(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw new PushCryptoError('invalid-base64', `${name} must be a base64url string`);
  try {
    return decodeBase64Url(value);
  } catch (error) {
    throw new PushCryptoError('invalid-base64', `${name} is not base64url: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Decodes a P-256 public key and checks it is an uncompressed point on the curve. */
export function decodePublicKey(
  value: unknown,
  name: string,
  code: 'invalid-p256dh' | 'invalid-key' = 'invalid-key',
): Uint8Array {
  const bytes = decodeKey(value, name);
  if (bytes.length !== 65) {
    throw new PushCryptoError(code, `${name} must be a 65-byte uncompressed P-256 point, got ${bytes.length} bytes`);
  }
  if (!isP256Point(bytes)) throw new PushCryptoError(code, `${name} is not a point on P-256`);
  return bytes;
}

/**
 * Decodes and validates a subscription's keys: p256dh must be a 65-byte point on P-256, auth 16 bytes.
 *
 * @throws {PushCryptoError} `invalid-base64`, `invalid-p256dh` or `invalid-auth`.
 */
export function decodeSubscriptionKeys(keys: PushSubscriptionKeys): DecodedSubscriptionKeys {
  if (keys === null || typeof keys !== 'object') {
    throw new PushCryptoError('invalid-p256dh', 'subscription keys must be an object with p256dh and auth');
  }
  const p256dh = decodePublicKey(keys.p256dh, 'p256dh', 'invalid-p256dh');
  const auth = decodeKey(keys.auth, 'auth');
  if (auth.length !== 16) throw new PushCryptoError('invalid-auth', `auth must be 16 bytes, got ${auth.length}`);
  return { p256dh, auth };
}

/**
 * Makes a fresh set of user agent keys, as a browser does on `pushManager.subscribe()`. Test user agents and
 * the push service's virtual clients use it.
 *
 * @example
 * const ua = await generateUserAgentKeys();
 * const { body } = await encrypt('hi', subscriptionKeys(ua));
 */
export async function generateUserAgentKeys(backend?: CryptoBackend): Promise<UserAgentKeys> {
  const crypto = await resolveCrypto(backend);
  const pair = await crypto.generateKeyPair();
  return { publicKey: pair.publicKey, privateKey: pair.privateKey, auth: crypto.randomBytes(16) };
}

/** The base64url `keys` a browser would put in `PushSubscription.toJSON()` for these user agent keys. */
export function subscriptionKeys(ua: UserAgentKeys): PushSubscriptionKeys {
  return { p256dh: encodeBase64Url(ua.publicKey), auth: encodeBase64Url(ua.auth) };
}
