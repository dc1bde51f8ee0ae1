import { encodeBase64Url } from './base64url.js';

/** The JWK form of a raw P-256 key: WebCrypto and node:crypto both import private scalars only this way. */
export interface P256Jwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d?: string;
  ext?: boolean;
  [member: string]: string | boolean | undefined;
}

/** Builds a P-256 JWK from an uncompressed public point and, optionally, the private scalar. */
export function p256Jwk(publicKey: Uint8Array, privateKey?: Uint8Array): P256Jwk {
  const jwk: P256Jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: encodeBase64Url(publicKey.subarray(1, 33)),
    y: encodeBase64Url(publicKey.subarray(33, 65)),
    ext: true,
  };
  if (privateKey) jwk.d = encodeBase64Url(privateKey);
  return jwk;
}
