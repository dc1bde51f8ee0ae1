import { decodeBase64Url } from './base64url.js';
import { concatBytes, utf8 } from './bytes.js';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
import { recordNonce } from './ece.js';
import { PushCryptoError } from './errors.js';
import { parseHeaderParams } from './header-params.js';
import { isP256Point } from './p256.js';
import { senderAgreement, type WebPushSealInput } from './rfc8291.js';

// The legacy "aesgcm" coding (draft-ietf-webpush-encryption-04 over draft-ietf-httpbis-encryption-encoding-03)
// that older Edge and Safari builds and many stored subscriptions still speak. Salt and sender key travel in
// the Encryption and Crypto-Key headers; each record's plaintext is uint16 padding length || zeros || data,
// every record but the last is exactly rs octets, and the last is shorter.

const AUTH_INFO = utf8('Content-Encoding: auth\0');
const CEK_PREFIX = utf8('Content-Encoding: aesgcm\0');
const NONCE_PREFIX = utf8('Content-Encoding: nonce\0');
const PAD_LENGTH_SIZE = 2;
const MAX_PAD = 0xffff;

function context(uaPublic: Uint8Array, asPublic: Uint8Array): Uint8Array {
  const lengths = (key: Uint8Array) => new Uint8Array([key.length >> 8, key.length & 0xff]);
  return concatBytes(utf8('P-256\0'), lengths(uaPublic), uaPublic, lengths(asPublic), asPublic);
}

async function deriveAesgcmKey(
  crypto: CryptoBackend,
  input: { ecdhSecret: Uint8Array; auth: Uint8Array; uaPublic: Uint8Array; asPublic: Uint8Array; salt: Uint8Array },
): Promise<{ key: Uint8Array; nonce: Uint8Array }> {
  const ikm = await crypto.hkdf(input.auth, input.ecdhSecret, AUTH_INFO, 32);
  const ctx = context(input.uaPublic, input.asPublic);
  const [key, nonce] = await Promise.all([
    crypto.hkdf(input.salt, ikm, concatBytes(CEK_PREFIX, ctx), 16),
    crypto.hkdf(input.salt, ikm, concatBytes(NONCE_PREFIX, ctx), 12),
  ]);
  return { key, nonce };
}

/** Splits data and padding into aesgcm record plaintexts: all but the last exactly `recordSize` octets. */
function aesgcmRecords(data: Uint8Array, recordSize: number, padding: number): Uint8Array[] {
  const records: Uint8Array[] = [];
  let dataAt = 0;
  let padLeft = padding;
  for (;;) {
    const pad = Math.min(padLeft, MAX_PAD, recordSize - PAD_LENGTH_SIZE);
    const take = Math.min(recordSize - PAD_LENGTH_SIZE - pad, data.length - dataAt);
    const record = new Uint8Array(PAD_LENGTH_SIZE + pad + take);
    record[0] = pad >> 8;
    record[1] = pad & 0xff;
    record.set(data.subarray(dataAt, dataAt + take), PAD_LENGTH_SIZE + pad);
    records.push(record);
    dataAt += take;
    padLeft -= pad;
    if (dataAt === data.length && padLeft === 0) {
      // A full-size last record would read as truncated, so a full one is followed by an empty one.
      if (record.length === recordSize) records.push(new Uint8Array(PAD_LENGTH_SIZE));
      return records;
    }
  }
}

/** Inputs for one aesgcm body: the same as for aes128gcm; only the key schedule and framing differ. */
export type AesgcmSealInput = WebPushSealInput;

/** Encrypts for the legacy aesgcm coding; returns the body and the sender public key for `Crypto-Key: dh=`. */
export async function sealAesgcm(
  crypto: CryptoBackend,
  input: AesgcmSealInput,
): Promise<{ body: Uint8Array; asPublic: Uint8Array }> {
  if (!Number.isInteger(input.recordSize) || input.recordSize <= PAD_LENGTH_SIZE || input.recordSize > 0xffffffff) {
    throw new PushCryptoError('invalid-record-size', `aesgcm record size must be above 2, got ${input.recordSize}`);
  }
  const { asPublic, ecdhSecret } = await senderAgreement(crypto, input.senderKeys, input.uaPublic);
  const { key, nonce } = await deriveAesgcmKey(crypto, { ...input, ecdhSecret, asPublic });
  const records = aesgcmRecords(input.plaintext, input.recordSize, input.padding);
  const sealed: Uint8Array[] = [];
  for (const [i, record] of records.entries()) sealed.push(await crypto.aesGcmSeal(key, recordNonce(nonce, i), record));
  const only = sealed[0];
  return { body: sealed.length === 1 && only !== undefined ? only : concatBytes(...sealed), asPublic };
}

/** Salt, record size and sender key read from the `Encryption` and `Crypto-Key` headers. */
export interface AesgcmParams {
  salt: Uint8Array;
  recordSize: number;
  asPublic: Uint8Array;
}

/** Reads the aesgcm parameters from the two headers, with typed errors for each missing or bad piece. */
export function parseAesgcmHeaders(encryption: string | undefined, cryptoKey: string | undefined): AesgcmParams {
  if (!encryption) throw new PushCryptoError('invalid-header', 'aesgcm needs an Encryption header with salt=');
  if (!cryptoKey) throw new PushCryptoError('invalid-header', 'aesgcm needs a Crypto-Key header with dh=');
  const enc = parseHeaderParams(encryption);
  const keys = parseHeaderParams(cryptoKey);
  const saltText = enc.get('salt');
  const dhText = keys.get('dh');
  if (!saltText) throw new PushCryptoError('invalid-header', 'Encryption header has no salt parameter');
  if (!dhText) throw new PushCryptoError('invalid-header', 'Crypto-Key header has no dh parameter');
  let salt: Uint8Array;
  let asPublic: Uint8Array;
  try {
    salt = decodeBase64Url(saltText);
    asPublic = decodeBase64Url(dhText);
  } catch (error) {
    throw new PushCryptoError('invalid-header', `aesgcm header value is not base64url: ${(error as Error).message}`);
  }
  if (salt.length !== 16) throw new PushCryptoError('invalid-header', `salt must be 16 bytes, got ${salt.length}`);
  if (!isP256Point(asPublic)) throw new PushCryptoError('invalid-header', 'Crypto-Key dh is not a P-256 point');
  const rsText = enc.get('rs');
  const recordSize = rsText === undefined ? 4096 : Number(rsText);
  if (!/^\d+$/.test(rsText ?? '4096') || recordSize <= PAD_LENGTH_SIZE || recordSize > 0xffffffff) {
    throw new PushCryptoError('invalid-header', `Encryption rs must be an integer above 2, got ${rsText}`);
  }
  return { salt, recordSize, asPublic };
}

/** Decrypts an aesgcm body with the user agent's keys and the parameters from its headers. */
export async function openAesgcm(
  crypto: CryptoBackend,
  body: Uint8Array,
  params: AesgcmParams,
  ua: { keyPair: RawKeyPair; auth: Uint8Array },
): Promise<Uint8Array> {
  const ecdhSecret = await crypto.ecdh(ua.keyPair, params.asPublic);
  const { key, nonce } = await deriveAesgcmKey(crypto, {
    ecdhSecret,
    auth: ua.auth,
    uaPublic: ua.keyPair.publicKey,
    asPublic: params.asPublic,
    salt: params.salt,
  });
  const chunk = params.recordSize + 16;
  const parts: Uint8Array[] = [];
  let at = 0;
  let sequence = 0;
  if (body.length === 0) throw new PushCryptoError('decrypt-failed', 'aesgcm body is empty');
  while (at < body.length) {
    const end = Math.min(at + chunk, body.length);
    if (end - at === chunk && end === body.length) {
      throw new PushCryptoError('decrypt-failed', 'aesgcm body is truncated: last record is full size');
    }
    const sealed = body.subarray(at, end);
    if (sealed.length < 16 + PAD_LENGTH_SIZE) {
      throw new PushCryptoError('decrypt-failed', `aesgcm record ${sequence} is too short`);
    }
    const plain = await crypto.aesGcmOpen(key, recordNonce(nonce, sequence), sealed);
    if (!plain) throw new PushCryptoError('decrypt-failed', `aesgcm record ${sequence} failed authentication`);
    const high = plain[0];
    const low = plain[1];
    if (high === undefined || low === undefined) {
      throw new PushCryptoError('decrypt-failed', `aesgcm record ${sequence} has no padding length`);
    }
    const pad = (high << 8) | low;
    if (PAD_LENGTH_SIZE + pad > plain.length) {
      throw new PushCryptoError('decrypt-failed', `aesgcm record ${sequence} padding runs past its end`);
    }
    for (let i = PAD_LENGTH_SIZE; i < PAD_LENGTH_SIZE + pad; i++) {
      if (plain[i] !== 0) throw new PushCryptoError('decrypt-failed', `aesgcm record ${sequence} has non-zero padding`);
    }
    parts.push(plain.subarray(PAD_LENGTH_SIZE + pad));
    at = end;
    sequence++;
  }
  const only = parts[0];
  return parts.length === 1 && only !== undefined ? only.slice() : concatBytes(...parts);
}
