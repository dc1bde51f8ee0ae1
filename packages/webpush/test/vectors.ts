import { readFileSync } from 'node:fs';
import { decodeBase64Url } from '../src/base64url.js';

const path = new URL('../../../../shared/vectors/webpush-rfc.json', import.meta.url);

interface Vectors {
  rfc8291_appendix_a: {
    plaintext: string;
    plaintext_utf8: string;
    as_public: string;
    as_private: string;
    ua_public: string;
    ua_private: string;
    salt: string;
    auth_secret: string;
    record_size: number;
    intermediate: Record<'ecdh_secret' | 'prk_key' | 'ikm' | 'prk' | 'cek' | 'nonce' | 'ciphertext', string>;
    body: string;
    body_length: number;
  };
  rfc8188_3_1: {
    ikm: string;
    plaintext_utf8: string;
    record_size: number;
    keyid_utf8: string;
    body: string;
    body_length: number;
    intermediate: Record<'prk' | 'cek' | 'nonce', string>;
  };
  rfc8188_3_2: {
    ikm: string;
    plaintext_utf8: string;
    record_size: number;
    keyid_utf8: string;
    body: string;
    body_length: number;
    records_plaintext_hex: string[];
  };
  rfc8292_2_4: {
    authorization: string;
    jwt: string;
    public_key: string;
    claims: { aud: string; exp: number; sub: string };
  };
}

/** The shared RFC vectors (../shared/vectors/webpush-rfc.json), read as published. */
export const vectors: Vectors = JSON.parse(readFileSync(path, 'utf8'));

/** Shorthand for decoding a vector field. */
export const b64 = decodeBase64Url;
