// Types for the parts of http_ece 1.2 (Mozilla's reference implementation of RFC 8188) the interop tests use.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  interface EceParams {
    version?: 'aes128gcm' | 'aesgcm';
    /** The receiver's (encrypt) or sender's (aesgcm decrypt) public key, base64url. */
    dh?: string;
    privateKey?: ECDH;
    authSecret?: string;
    salt?: string;
    rs?: number;
    pad?: number;
    keyid?: string;
  }

  export function encrypt(buffer: Buffer, params: EceParams): Buffer;
  export function decrypt(buffer: Buffer, params: EceParams): Buffer;
}
