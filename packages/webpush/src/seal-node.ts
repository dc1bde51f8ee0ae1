import { createCipheriv, createECDH, createHmac, type ECDH, randomFillSync } from 'node:crypto';
import type { RawKeyPair } from './crypto-backend.js';
import { DEFAULT_RECORD_SIZE } from './encrypt.js';
import { decodeSubscriptionKeys, type PushSubscriptionKeys } from './keys.js';

// The fan-out's per-message encryption on node:crypto, synchronous: the same bytes encrypt() makes for
// aes128gcm at the default record size (RFC 8291 appendix A is checked against both), without what the
// portable path costs per message on a worker thread — a dozen awaits on the async backend, a sixth HMAC (the
// PRK is extracted once here, not once per HKDF), the curve check in BigInt arithmetic (OpenSSL's point
// decoding makes the same check), the base64 decoder in JavaScript, and the copies that join the parts.

const INFO = Buffer.from('WebPush: info\0');
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0\x01');
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0\x01');
const ONE = Buffer.from([1]);
// salt(16) || rs(4) || idlen(1) || keyid(65): the aes128gcm header of a Web Push body.
const HEADER_BYTES = 86;
const TAG_BYTES = 16;
// Unpadded base64url of a 65-byte point and of a 16-byte auth secret. Anything else (padding, the standard
// alphabet, wrong lengths, bad characters) goes through decodeSubscriptionKeys, which accepts or rejects it
// exactly as encrypt() does.
const P256DH = /^[A-Za-z0-9_-]{87}$/;
const AUTH = /^[A-Za-z0-9_-]{22}$/;
// Salts are cut from one random fill per this many messages: one call into the CSPRNG instead of one each.
const SALTS_PER_FILL = 256;

/**
 * Encrypts one payload (aes128gcm, one 4096-octet record) for many subscriptions, each with a fresh sender key
 * pair and salt, as RFC 8291 requires.
 *
 * @example
 * const sealer = new NodeWebPushSealer(payload, 0);
 * const body = sealer.seal(subscription.keys);
 */
export class NodeWebPushSealer {
  // data || 0x02 || padding: the single record's plaintext, the same for every subscription.
  readonly #record: Buffer;
  readonly #ephemeral: ECDH = createECDH('prime256v1');
  #salts = Buffer.alloc(0);
  #saltAt = 0;

  /** `payload` plus `padding` must already be within MAX_PAYLOAD_BYTES.aes128gcm (checkPayload). */
  constructor(payload: Uint8Array, padding: number) {
    this.#record = Buffer.alloc(payload.length + 1 + padding);
    this.#record.set(payload, 0);
    this.#record[payload.length] = 2;
  }

  #salt(): Buffer {
    if (this.#saltAt === this.#salts.length) {
      this.#salts = randomFillSync(Buffer.allocUnsafe(16 * SALTS_PER_FILL));
      this.#saltAt = 0;
    }
    const salt = this.#salts.subarray(this.#saltAt, this.#saltAt + 16);
    this.#saltAt += 16;
    return salt;
  }

  /**
   * The body for one subscription. `salt` and `sender` are for reproducible tests only.
   *
   * @throws {PushCryptoError} `invalid-base64`, `invalid-p256dh` or `invalid-auth`, as {@link encrypt}.
   */
  seal(keys: PushSubscriptionKeys, salt: Uint8Array = this.#salt(), sender?: RawKeyPair): Uint8Array {
    let uaPublic: Buffer;
    let auth: Buffer;
    const p256dh = keys?.p256dh;
    const secret = keys?.auth;
    if (typeof p256dh === 'string' && typeof secret === 'string' && P256DH.test(p256dh) && AUTH.test(secret)) {
      uaPublic = Buffer.from(p256dh, 'base64url');
      auth = Buffer.from(secret, 'base64url');
      // A compressed point (0x02/0x03) would decode in OpenSSL too; push subscriptions carry uncompressed ones.
      if (uaPublic[0] !== 4) decodeSubscriptionKeys(keys);
    } else {
      const decoded = decodeSubscriptionKeys(keys);
      uaPublic = Buffer.from(decoded.p256dh.buffer, decoded.p256dh.byteOffset, decoded.p256dh.length);
      auth = Buffer.from(decoded.auth.buffer, decoded.auth.byteOffset, decoded.auth.length);
    }
    let ecdh = this.#ephemeral;
    let asPublic: Buffer;
    if (sender) {
      ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(sender.privateKey);
      asPublic = Buffer.from(sender.publicKey);
    } else {
      asPublic = ecdh.generateKeys();
    }
    let ecdhSecret: Buffer;
    try {
      ecdhSecret = ecdh.computeSecret(uaPublic);
    } catch (error) {
      // OpenSSL refused the point: the portable check names why, with encrypt()'s typed error.
      decodeSubscriptionKeys(keys);
      throw error;
    }
    const prkKey = createHmac('sha256', auth).update(ecdhSecret).digest();
    const ikm = createHmac('sha256', prkKey).update(INFO).update(uaPublic).update(asPublic).update(ONE).digest();
    const prk = createHmac('sha256', salt).update(ikm).digest();
    const cek = createHmac('sha256', prk).update(CEK_INFO).digest().subarray(0, 16);
    const nonce = createHmac('sha256', prk).update(NONCE_INFO).digest().subarray(0, 12);
    const body = Buffer.allocUnsafe(HEADER_BYTES + this.#record.length + TAG_BYTES);
    body.set(salt, 0);
    body.writeUInt32BE(DEFAULT_RECORD_SIZE, 16);
    body[20] = 65;
    body.set(asPublic, 21);
    const cipher = createCipheriv('aes-128-gcm', cek, nonce);
    // AES-GCM is a stream mode: update() returns as many bytes as it was given, final() none.
    const sealed = cipher.update(this.#record);
    cipher.final();
    body.set(sealed, HEADER_BYTES);
    body.set(cipher.getAuthTag(), HEADER_BYTES + sealed.length);
    return body;
  }
}
