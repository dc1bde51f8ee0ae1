import { decodeBase64Url } from './base64url.js';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
import { p256Jwk } from './jwk.js';

// WebCrypto only: this module must not import anything from node:, so it runs in browsers, Deno, Bun and
// Workers. WebCrypto cannot import a bare private scalar, hence the JWK detour.

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (globalThis.crypto.subtle) is not available in this runtime');
  return s;
}

// TypeScript's DOM types want an ArrayBuffer-backed view; a Uint8Array over a SharedArrayBuffer is not one.
function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

async function exportRawPair(pair: CryptoKeyPair): Promise<RawKeyPair> {
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  const jwk = await subtle().exportKey('jwk', pair.privateKey);
  return { publicKey, privateKey: decodeBase64Url(jwk.d ?? '') };
}

async function deriveEcdh(privateKey: CryptoKey, peerPublic: Uint8Array): Promise<Uint8Array> {
  const peer = await subtle().importKey('raw', buf(peerPublic), ECDH, false, []);
  return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peer }, privateKey, 256));
}

/** Web Push primitives on WebCrypto (globalThis.crypto.subtle) alone. */
export const webCrypto: CryptoBackend = {
  name: 'webcrypto',
  randomBytes(length) {
    const out = new Uint8Array(length);
    globalThis.crypto.getRandomValues(out);
    return out;
  },
  async generateKeyPair() {
    return exportRawPair(await subtle().generateKey(ECDH, true, ['deriveBits']));
  },
  async ephemeralEcdh(peerPublic) {
    const pair = await subtle().generateKey(ECDH, true, ['deriveBits']);
    const [publicKey, secret] = await Promise.all([
      subtle().exportKey('raw', pair.publicKey),
      deriveEcdh(pair.privateKey, peerPublic),
    ]);
    return { publicKey: new Uint8Array(publicKey), secret };
  },
  async ecdh(own, peerPublic) {
    const key = await subtle().importKey('jwk', p256Jwk(own.publicKey, own.privateKey), ECDH, false, ['deriveBits']);
    return deriveEcdh(key, peerPublic);
  },
  async hmacSha256(key, data) {
    const k = await subtle().importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await subtle().sign('HMAC', k, buf(data)));
  },
  async hkdf(salt, ikm, info, length) {
    const k = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
    const bits = await subtle().deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) },
      k,
      length * 8,
    );
    return new Uint8Array(bits);
  },
  async aesGcmSeal(key, nonce, plaintext) {
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
    return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: buf(nonce) }, k, buf(plaintext)));
  },
  async aesGcmOpen(key, nonce, sealed) {
    const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
    try {
      return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: buf(nonce) }, k, buf(sealed)));
    } catch {
      return null;
    }
  },
  async signEs256(key, data) {
    const k = await subtle().importKey('jwk', p256Jwk(key.publicKey, key.privateKey), ECDSA, false, ['sign']);
    return new Uint8Array(await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, k, buf(data)));
  },
  async verifyEs256(publicKey, data, signature) {
    const k = await subtle().importKey('raw', buf(publicKey), ECDSA, false, ['verify']);
    return subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, k, buf(signature), buf(data));
  },
};
