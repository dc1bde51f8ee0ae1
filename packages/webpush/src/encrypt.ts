import { openAesgcm, parseAesgcmHeaders, sealAesgcm } from './aesgcm.js';
import { encodeBase64Url } from './base64url.js';
import { toBytes } from './bytes.js';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
import { resolveCrypto } from './crypto-runtime.js';
import { PushCryptoError } from './errors.js';
import { headerValue } from './header-params.js';
import { decodeSubscriptionKeys, type PushSubscriptionKeys, type UserAgentKeys } from './keys.js';
import { isP256Point } from './p256.js';
import { openWebPush, sealWebPush } from './rfc8291.js';

/** `aes128gcm` (RFC 8188/8291, the default) or the legacy `aesgcm` draft coding. */
export type ContentEncoding = 'aes128gcm' | 'aesgcm';

/** The default and recommended record size: push services must accept 4096-octet bodies. */
export const DEFAULT_RECORD_SIZE = 4096;

/**
 * The largest payload (data plus padding) that fits a 4096-octet body: for aes128gcm 4096 minus the 86-octet
 * header (16 salt, 4 rs, 1 idlen, 65 keyid), the 16-octet tag and the 1-octet delimiter; for aesgcm 4096 minus
 * the 16-octet tag and the 2-octet padding length.
 */
export const MAX_PAYLOAD_BYTES: Record<ContentEncoding, number> = { aes128gcm: 3993, aesgcm: 4078 };

/** Options for {@link encrypt}. Salt and sender keys are for reproducible tests; leave them out in production. */
export interface EncryptOptions {
  encoding?: ContentEncoding;
  /** Record size; 4096 by default. A smaller one splits the payload across several records. */
  recordSize?: number;
  /** Zero octets added after the payload to hide its length. */
  padding?: number;
  /** 16-byte salt; random by default. */
  salt?: Uint8Array;
  /** Raw sender key pair (65-byte point, 32-byte d); a fresh one per message by default. */
  senderKeys?: { publicKey: Uint8Array; privateKey: Uint8Array };
  /** Crypto implementation; node:crypto on Node, WebCrypto elsewhere, by default. */
  crypto?: CryptoBackend;
}

/** An encrypted body and the headers that must accompany it (Content-Encoding, and for aesgcm Encryption + Crypto-Key). */
export interface EncryptedPayload {
  body: Uint8Array;
  headers: Record<string, string>;
}

/** Checks a payload (plus padding) against the coding's size limit. */
export function checkPayload(plaintext: Uint8Array, padding: number, encoding: ContentEncoding): void {
  if (!Number.isInteger(padding) || padding < 0) {
    throw new PushCryptoError('invalid-padding', `padding must be a non-negative integer, got ${padding}`);
  }
  const limit = MAX_PAYLOAD_BYTES[encoding];
  if (plaintext.length + padding > limit) {
    const what =
      padding > 0 ? `payload plus padding is ${plaintext.length + padding}` : `payload is ${plaintext.length}`;
    throw new PushCryptoError(
      'payload-too-large',
      `${what} bytes; the ${encoding} limit is ${limit} bytes so the body fits 4096 bytes`,
    );
  }
}

function checkSenderKeys(keys: RawKeyPair): void {
  if (!isP256Point(keys.publicKey) || keys.privateKey.length !== 32) {
    throw new PushCryptoError('invalid-key', 'senderKeys must be a 65-byte P-256 point and a 32-byte scalar');
  }
}

/**
 * Encrypts a push message for a subscription (RFC 8291): one aes128gcm record of at most 4096 octets whose
 * keyid is a fresh sender public key.
 *
 * @throws {PushCryptoError} `payload-too-large` (over 3993 bytes for aes128gcm), `invalid-p256dh`,
 * `invalid-auth`, `invalid-base64`.
 * @example
 * const { body, headers } = await encrypt('{"title":"hi"}', subscription.keys);
 */
export async function encrypt(
  payload: Uint8Array | string,
  keys: PushSubscriptionKeys,
  options: EncryptOptions = {},
): Promise<EncryptedPayload> {
  const encoding = options.encoding ?? 'aes128gcm';
  if (encoding !== 'aes128gcm' && encoding !== 'aesgcm') {
    throw new PushCryptoError('invalid-header', `unknown content encoding ${JSON.stringify(encoding)}`);
  }
  const plaintext = toBytes(payload);
  const padding = options.padding ?? 0;
  checkPayload(plaintext, padding, encoding);
  const { p256dh, auth } = decodeSubscriptionKeys(keys);
  const crypto = await resolveCrypto(options.crypto);
  const salt = options.salt ?? crypto.randomBytes(16);
  if (salt.length !== 16) throw new PushCryptoError('invalid-header', `salt must be 16 bytes, got ${salt.length}`);
  if (options.senderKeys) checkSenderKeys(options.senderKeys);
  const recordSize = options.recordSize ?? DEFAULT_RECORD_SIZE;
  const input = { plaintext, uaPublic: p256dh, auth, salt, recordSize, padding, senderKeys: options.senderKeys };
  if (encoding === 'aes128gcm') {
    return { body: await sealWebPush(crypto, input), headers: { 'Content-Encoding': 'aes128gcm' } };
  }
  const { body, asPublic } = await sealAesgcm(crypto, input);
  const rs = recordSize === DEFAULT_RECORD_SIZE ? '' : `;rs=${recordSize}`;
  return {
    body,
    headers: {
      'Content-Encoding': 'aesgcm',
      Encryption: `salt=${encodeBase64Url(salt)}${rs}`,
      'Crypto-Key': `dh=${encodeBase64Url(asPublic)}`,
    },
  };
}

/** Options for {@link decrypt}. */
export interface DecryptOptions {
  /** Taken from the Content-Encoding header when absent, aes128gcm if neither says. */
  encoding?: ContentEncoding;
  /** The request's headers; aesgcm needs Encryption and Crypto-Key. Names are case-insensitive. */
  headers?: Record<string, string>;
  crypto?: CryptoBackend;
}

function checkUserAgentKeys(ua: UserAgentKeys): void {
  if (!isP256Point(ua.publicKey)) throw new PushCryptoError('invalid-p256dh', 'user agent public key is not on P-256');
  if (ua.privateKey.length !== 32) throw new PushCryptoError('invalid-key', 'user agent private key must be 32 bytes');
  if (ua.auth.length !== 16) throw new PushCryptoError('invalid-auth', `auth must be 16 bytes, got ${ua.auth.length}`);
}

/**
 * Decrypts a push message body as a user agent does: aes128gcm by default, aesgcm when the options or the
 * Content-Encoding header say so.
 *
 * @throws {PushCryptoError} `decrypt-failed` (wrong keys, tampering, truncation, bad padding) or
 * `invalid-header` (aesgcm parameters missing or malformed).
 * @example
 * const text = new TextDecoder().decode(await decrypt(body, uaKeys));
 */
export async function decrypt(body: Uint8Array, ua: UserAgentKeys, options: DecryptOptions = {}): Promise<Uint8Array> {
  checkUserAgentKeys(ua);
  const declared = options.encoding ?? headerValue(options.headers, 'content-encoding')?.trim().toLowerCase();
  const encoding = declared ?? 'aes128gcm';
  const crypto = await resolveCrypto(options.crypto);
  const keys = { keyPair: { publicKey: ua.publicKey, privateKey: ua.privateKey }, auth: ua.auth };
  if (encoding === 'aes128gcm') return openWebPush(crypto, body, keys);
  if (encoding === 'aesgcm') {
    const params = parseAesgcmHeaders(
      headerValue(options.headers, 'encryption'),
      headerValue(options.headers, 'crypto-key'),
    );
    return openAesgcm(crypto, body, params, keys);
  }
  throw new PushCryptoError('invalid-header', `unsupported Content-Encoding ${JSON.stringify(encoding)}`);
}
