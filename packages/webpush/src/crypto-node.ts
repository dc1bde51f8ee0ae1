import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
import { p256Jwk } from './jwk.js';

// The fast path: createECDH works on raw points and scalars directly, so the per-message ECDH needs no key
// import/export round trips, and everything here is synchronous under the Promise wrapper.

function view(buffer: Buffer | ArrayBuffer): Uint8Array {
  return buffer instanceof ArrayBuffer
    ? new Uint8Array(buffer)
    : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function leftPad32(d: Uint8Array): Uint8Array {
  if (d.length === 32) return d;
  const out = new Uint8Array(32);
  out.set(d, 32 - d.length);
  return out;
}

const ephemeral = createECDH('prime256v1');
const ONE = new Uint8Array([1]);

/** Web Push primitives on node:crypto. */
export const nodeCrypto: CryptoBackend = {
  name: 'node',
  randomBytes: (length) => view(randomBytes(length)),
  async generateKeyPair(): Promise<RawKeyPair> {
    const ecdh = createECDH('prime256v1');
    const publicKey = view(ecdh.generateKeys());
    // getPrivateKey drops leading zero bytes; raw scalars are always 32 bytes on the wire.
    return { publicKey, privateKey: leftPad32(view(ecdh.getPrivateKey())) };
  },
  async ephemeralEcdh(peerPublic) {
    // generateKeys() makes a new key pair on every call, so one ECDH object per thread serves every message
    // (creating it costs as much as the HKDFs). Both calls are synchronous: no other message interleaves.
    const publicKey = view(ephemeral.generateKeys());
    return { publicKey, secret: view(ephemeral.computeSecret(peerPublic)) };
  },
  async ecdh(own, peerPublic) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(own.privateKey);
    return view(ecdh.computeSecret(peerPublic));
  },
  async hmacSha256(key, data) {
    return view(createHmac('sha256', key).update(data).digest());
  },
  async hkdf(salt, ikm, info, length) {
    if (length > 32) return view(hkdfSync('sha256', ikm, salt, info, length));
    // Web Push only ever asks for one SHA-256 block (32, 16 or 12 bytes): then HKDF is two HMACs, which is
    // a third of hkdfSync's cost because no KeyObjects are made.
    const prk = createHmac('sha256', salt).update(ikm).digest();
    const okm = createHmac('sha256', prk).update(info).update(ONE).digest();
    return view(okm).subarray(0, length);
  },
  async aesGcmSeal(key, nonce, plaintext) {
    const cipher = createCipheriv('aes-128-gcm', key, nonce);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(head.length + tail.length + tag.length);
    out.set(head, 0);
    out.set(tail, head.length);
    out.set(tag, head.length + tail.length);
    return out;
  },
  async aesGcmOpen(key, nonce, sealed) {
    if (sealed.length < 16) return null;
    const decipher = createDecipheriv('aes-128-gcm', key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const head = decipher.update(sealed.subarray(0, sealed.length - 16));
    try {
      const tail = decipher.final();
      return tail.length === 0 ? view(head) : view(Buffer.concat([head, tail]));
    } catch {
      return null;
    }
  },
  async signEs256(key, data) {
    const privateKey = createPrivateKey({ key: p256Jwk(key.publicKey, key.privateKey), format: 'jwk' });
    return view(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  },
  async verifyEs256(publicKey, data, signature) {
    if (signature.length !== 64) return false;
    const key = createPublicKey({ key: p256Jwk(publicKey), format: 'jwk' });
    return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  },
};
