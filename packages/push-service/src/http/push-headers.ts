import { decodeBase64UrlStrict } from '../protocol/ids.js';
import type { NotificationHeaders } from '../protocol/server-messages.js';
import { Errno, PushError } from './push-error.js';

/** Largest body a push message may carry (RFC 8030 section 7.2 requires at least 4096 to be accepted). */
export const MAX_PAYLOAD_BYTES = 4096;

/** RFC 8030 section 5.3 urgencies. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';
const URGENCIES: ReadonlySet<string> = new Set(['very-low', 'low', 'normal', 'high']);

/**
 * Parses the required `TTL` header (RFC 8030 section 5.2): delta-seconds, lowered to `maxTtl`.
 * Throws {@link PushError} 400 when missing or not a non-negative integer.
 */
export function parseTtl(value: string | undefined, maxTtl: number): number {
  if (value === undefined) throw new PushError(400, Errno.missingHeader, 'missing TTL header (RFC 8030 section 5.2)');
  const v = value.trim();
  if (!/^\d{1,15}$/.test(v)) {
    throw new PushError(400, Errno.invalidTtl, `invalid TTL header "${v.slice(0, 32)}": expected delta-seconds`);
  }
  return Math.min(Number(v), maxTtl);
}

/** Parses `Urgency` (default `normal`). Throws {@link PushError} 400 for any other value. */
export function parseUrgency(value: string | undefined): Urgency {
  if (value === undefined) return 'normal';
  const v = value.trim().toLowerCase();
  if (!URGENCIES.has(v)) {
    throw new PushError(
      400,
      Errno.invalidUrgency,
      `invalid Urgency "${v.slice(0, 32)}": expected very-low, low, normal or high`,
    );
  }
  return v as Urgency;
}

/** Parses `Topic`: at most 32 characters of the base64url alphabet (RFC 8030 section 5.4). */
export function parseTopic(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(v)) {
    throw new PushError(400, Errno.invalidTopic, 'invalid Topic: at most 32 characters of the base64url alphabet');
  }
  return v;
}

/** Request headers that describe a push body's encryption. */
export interface EncryptionHeaderInput {
  contentEncoding: string | undefined;
  encryption: string | undefined;
  cryptoKey: string | undefined;
}

/**
 * Checks a body against its encryption headers and returns the headers the user agent needs, or undefined for a push
 * without payload (whose crypto headers are ignored, as autopush does). Rules: aes128gcm (RFC 8188/8291) carries
 * salt and key in the body, so it must not come with `Encryption` or a `dh` in `Crypto-Key`; legacy aesgcm needs
 * both `Encryption: salt=` and `Crypto-Key: dh=`.
 */
export function parseEncryption(body: Uint8Array, input: EncryptionHeaderInput): NotificationHeaders | undefined {
  if (body.length === 0) return undefined;
  if (body.length > MAX_PAYLOAD_BYTES) {
    throw new PushError(413, Errno.payloadTooLarge, `body of ${body.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  }
  const encoding = input.contentEncoding?.trim().toLowerCase();
  if (!encoding) {
    throw new PushError(400, Errno.missingCryptoKeys, 'a push with a body needs Content-Encoding aes128gcm or aesgcm');
  }
  const params = input.cryptoKey === undefined ? new Map<string, string>() : parseHeaderParams(input.cryptoKey);
  if (encoding === 'aes128gcm') {
    if (input.encryption !== undefined) {
      throw new PushError(400, Errno.invalidCryptoKeys, 'aes128gcm carries its salt in the body: drop Encryption');
    }
    if (params.has('dh')) {
      throw new PushError(400, Errno.invalidCryptoKeys, 'aes128gcm carries its key in the body: drop Crypto-Key dh');
    }
    checkAes128gcmHeader(body);
    return { encoding: 'aes128gcm' };
  }
  if (encoding === 'aesgcm') {
    if (input.encryption === undefined) {
      throw new PushError(400, Errno.missingCryptoKeys, 'aesgcm needs an Encryption header with salt');
    }
    const salt = parseHeaderParams(input.encryption).get('salt');
    if (salt === undefined) throw new PushError(400, Errno.missingCryptoKeys, 'aesgcm needs Encryption: salt=…');
    if (decodeBase64UrlStrict(salt)?.length !== 16) {
      throw new PushError(400, Errno.invalidCryptoKeys, 'Encryption salt must be 16 bytes of base64url');
    }
    const dh = params.get('dh');
    if (dh === undefined || input.cryptoKey === undefined) {
      throw new PushError(400, Errno.missingCryptoKeys, 'aesgcm needs Crypto-Key: dh=…');
    }
    const key = decodeBase64UrlStrict(dh);
    if (key?.length !== 65 || key[0] !== 0x04) {
      throw new PushError(400, Errno.invalidCryptoKeys, 'Crypto-Key dh must be a 65-byte P-256 key in base64url');
    }
    return { encoding: 'aesgcm', encryption: input.encryption.trim(), crypto_key: input.cryptoKey.trim() };
  }
  throw new PushError(415, Errno.unsupportedEncoding, `unsupported Content-Encoding "${encoding.slice(0, 32)}"`);
}

/**
 * The aes128gcm header (RFC 8188 section 2.1): salt(16) rs(4) idlen(1) keyid(idlen), then at least one record
 * (a 16-byte tag plus the delimiter). A body too short for that can never decrypt.
 */
function checkAes128gcmHeader(body: Uint8Array): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length < 21 || body.length < 21 + view.getUint8(20) + 17 || view.getUint32(16) < 18) {
    throw new PushError(400, Errno.invalidCryptoKeys, 'body is not an aes128gcm message (RFC 8188 header too short)');
  }
}

/**
 * Parses `a=b; c=d` and `a=b, c=d` parameter lists (Encryption, Crypto-Key). Values may be quoted.
 * Later duplicates do not override earlier ones.
 */
export function parseHeaderParams(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(/[;,]/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    if (name && !out.has(name)) out.set(name, v);
  }
  return out;
}
