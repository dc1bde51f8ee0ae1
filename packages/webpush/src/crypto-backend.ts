/** A P-256 key pair as raw bytes: the uncompressed public point (65 bytes) and the private scalar d (32). */
export interface RawKeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/**
 * The few primitives Web Push needs. Two implementations exist: `crypto-web.ts` (WebCrypto only, for browsers,
 * Deno, Bun and Workers) and `crypto-node.ts` (node:crypto, several times faster for the per-message ECDH).
 * Protocol code is written once against this interface so both paths share every byte of framing logic.
 */
export interface CryptoBackend {
  readonly name: 'node' | 'webcrypto';
  randomBytes(length: number): Uint8Array;
  generateKeyPair(): Promise<RawKeyPair>;
  /** ECDH against `peerPublic` with a fresh key pair whose private half never leaves the backend. */
  ephemeralEcdh(peerPublic: Uint8Array): Promise<{ publicKey: Uint8Array; secret: Uint8Array }>;
  ecdh(own: RawKeyPair, peerPublic: Uint8Array): Promise<Uint8Array>;
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** HKDF-SHA-256, extract and expand (RFC 5869). */
  hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** AES-128-GCM with a 16-byte tag appended to the ciphertext. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Returns null when the tag does not verify. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | null>;
  /** ES256 over `data`; the signature is the 64-byte r || s form JWS uses. */
  signEs256(key: RawKeyPair, data: Uint8Array): Promise<Uint8Array>;
  verifyEs256(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
}
