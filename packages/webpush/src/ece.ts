import { concatBytes, utf8 } from './bytes.js';
import type { CryptoBackend } from './crypto-backend.js';
import { PushCryptoError } from './errors.js';

// RFC 8188 "aes128gcm" content coding: a header (salt, record size, key id) followed by AES-128-GCM records.
// Each record's plaintext is data || delimiter || zero padding; the delimiter is 0x02 in the last record and
// 0x01 in every other, which is what makes truncation detectable.

/** Bytes of tag plus delimiter every record carries on top of its data and padding. */
export const RECORD_OVERHEAD = 17;
/** The smallest record size that can hold one byte of data or padding. */
export const MIN_RECORD_SIZE = RECORD_OVERHEAD + 1;
/** RFC 8188 carries the record size in 32 bits: the largest value the header can state. */
export const MAX_RECORD_SIZE = 0xffffffff;

const CEK_INFO = utf8('Content-Encoding: aes128gcm\0');
const NONCE_INFO = utf8('Content-Encoding: nonce\0');

/** The aes128gcm header that precedes the records. */
export interface Aes128gcmHeader {
  salt: Uint8Array;
  recordSize: number;
  keyId: Uint8Array;
}

/** One record to seal: its data and how many zero octets of padding follow the delimiter. */
export interface RecordPlan {
  data: Uint8Array;
  padding: number;
}

/** Serialises the header: salt(16) || rs(uint32) || idlen(uint8) || keyid. */
export function encodeHeader(header: Aes128gcmHeader): Uint8Array {
  if (header.salt.length !== 16) throw new PushCryptoError('invalid-header', 'salt must be 16 bytes');
  if (header.keyId.length > 255) throw new PushCryptoError('invalid-header', 'keyid must be at most 255 bytes');
  checkRecordSize(header.recordSize);
  const out = new Uint8Array(21 + header.keyId.length);
  out.set(header.salt, 0);
  new DataView(out.buffer).setUint32(16, header.recordSize);
  out[20] = header.keyId.length;
  out.set(header.keyId, 21);
  return out;
}

/** Parses the header at the start of an aes128gcm body and says where the records begin. */
export function parseHeader(body: Uint8Array): { header: Aes128gcmHeader; offset: number } {
  if (body.length < 21) throw new PushCryptoError('decrypt-failed', `body of ${body.length} bytes has no header`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const recordSize = view.getUint32(16);
  const idLength = view.getUint8(20);
  const offset = 21 + idLength;
  if (body.length < offset) throw new PushCryptoError('decrypt-failed', 'body ends inside the header keyid');
  if (recordSize < MIN_RECORD_SIZE) {
    throw new PushCryptoError('decrypt-failed', `record size ${recordSize} is below the minimum ${MIN_RECORD_SIZE}`);
  }
  return {
    header: { salt: body.slice(0, 16), recordSize, keyId: body.slice(21, offset) },
    offset,
  };
}

function checkRecordSize(recordSize: number): void {
  if (!Number.isInteger(recordSize) || recordSize < MIN_RECORD_SIZE || recordSize > MAX_RECORD_SIZE) {
    throw new PushCryptoError(
      'invalid-record-size',
      `record size must be an integer from ${MIN_RECORD_SIZE} to ${MAX_RECORD_SIZE}, got ${recordSize}`,
    );
  }
}

/**
 * Splits data and padding into records of at most `recordSize` octets: data first, then padding filling the
 * remaining room, so a payload that fits one record stays one record (what RFC 8291 requires of push messages).
 */
export function planRecords(data: Uint8Array, recordSize: number, padding = 0): RecordPlan[] {
  checkRecordSize(recordSize);
  const room = recordSize - RECORD_OVERHEAD;
  const plans: RecordPlan[] = [];
  let dataAt = 0;
  let paddingLeft = padding;
  do {
    const take = Math.min(room, data.length - dataAt);
    const pad = Math.min(room - take, paddingLeft);
    plans.push({ data: data.subarray(dataAt, dataAt + take), padding: pad });
    dataAt += take;
    paddingLeft -= pad;
  } while (dataAt < data.length || paddingLeft > 0);
  return plans;
}

/** The content-encryption key and base nonce of RFC 8188 section 2.2/2.3 for a given IKM and salt. */
export async function deriveContentKey(
  crypto: CryptoBackend,
  ikm: Uint8Array,
  salt: Uint8Array,
): Promise<{ key: Uint8Array; nonce: Uint8Array }> {
  const [key, nonce] = await Promise.all([
    crypto.hkdf(salt, ikm, CEK_INFO, 16),
    crypto.hkdf(salt, ikm, NONCE_INFO, 12),
  ]);
  return { key, nonce };
}

/** The nonce of record `sequence`: the base nonce XOR the sequence number as a 96-bit big-endian integer. */
export function recordNonce(base: Uint8Array, sequence: number): Uint8Array {
  const nonce = base.slice();
  let seq = sequence;
  for (let i = 11; i >= 0 && seq > 0; i--) {
    const byte = nonce[i];
    if (byte === undefined) throw new PushCryptoError('invalid-key', `nonce is ${base.length} bytes, expected 12`);
    nonce[i] = byte ^ (seq & 0xff);
    seq = Math.floor(seq / 256);
  }
  return nonce;
}

/** Seals the planned records under the key derived from `ikm` and returns header || records. */
export async function sealRecords(
  crypto: CryptoBackend,
  input: { ikm: Uint8Array; header: Aes128gcmHeader; records: RecordPlan[] },
): Promise<Uint8Array> {
  const { header, records } = input;
  const headerBytes = encodeHeader(header);
  const { key, nonce } = await deriveContentKey(crypto, input.ikm, header.salt);
  const parts: Uint8Array[] = [headerBytes];
  for (const [i, record] of records.entries()) {
    if (record.data.length + record.padding + RECORD_OVERHEAD > header.recordSize) {
      throw new PushCryptoError('invalid-record-size', `record ${i} does not fit record size ${header.recordSize}`);
    }
    const plain = new Uint8Array(record.data.length + 1 + record.padding);
    plain.set(record.data, 0);
    plain[record.data.length] = i === records.length - 1 ? 2 : 1;
    parts.push(await crypto.aesGcmSeal(key, recordNonce(nonce, i), plain));
  }
  // One record (the common case) is joined to the header without spreading the array.
  const only = parts[1];
  return parts.length === 2 && only !== undefined ? concatBytes(headerBytes, only) : concatBytes(...parts);
}

/**
 * Decrypts an aes128gcm body. `ikmFor` receives the header (so RFC 8291 can read the sender key from keyid)
 * and returns the input keying material.
 *
 * @throws {PushCryptoError} `decrypt-failed` naming what was wrong: header, tag, delimiter, padding, truncation.
 */
export async function openRecords(
  crypto: CryptoBackend,
  body: Uint8Array,
  ikmFor: (header: Aes128gcmHeader) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array> {
  const { header, offset } = parseHeader(body);
  const { key, nonce } = await deriveContentKey(crypto, await ikmFor(header), header.salt);
  const rs = header.recordSize;
  const chunks: Uint8Array[] = [];
  let at = offset;
  let sequence = 0;
  if (at >= body.length) throw new PushCryptoError('decrypt-failed', 'body has a header but no records');
  while (at < body.length) {
    const end = Math.min(at + rs, body.length);
    const sealed = body.subarray(at, end);
    if (sealed.length < RECORD_OVERHEAD) {
      throw new PushCryptoError('decrypt-failed', `record ${sequence} is ${sealed.length} bytes, too short`);
    }
    const plain = await crypto.aesGcmOpen(key, recordNonce(nonce, sequence), sealed);
    if (!plain) throw new PushCryptoError('decrypt-failed', `record ${sequence} failed authentication`);
    let d = plain.length - 1;
    while (d >= 0 && plain[d] === 0) d--;
    if (d < 0) throw new PushCryptoError('decrypt-failed', `record ${sequence} has no delimiter`);
    const last = end === body.length;
    const delimiter = plain[d];
    if (last && delimiter !== 2) {
      throw new PushCryptoError(
        'decrypt-failed',
        delimiter === 1 ? 'body is truncated: last record is not final' : 'bad padding delimiter',
      );
    }
    if (!last && delimiter !== 1) {
      throw new PushCryptoError(
        'decrypt-failed',
        delimiter === 2 ? `record ${sequence} is final but more records follow` : 'bad padding delimiter',
      );
    }
    chunks.push(plain.subarray(0, d));
    at = end;
    sequence++;
  }
  const only = chunks[0];
  return chunks.length === 1 && only !== undefined ? only.slice() : concatBytes(...chunks);
}
