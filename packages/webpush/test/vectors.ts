import { readFileSync } from 'node:fs';
import { decodeBase64Url } from '../src/base64url.js';

// A byte-for-byte copy of the project's shared vectors (shared/vectors/webpush-rfc.json: RFC 8291 Appendix A,
// RFC 8188 3.1/3.2, RFC 8292 2.4), kept in the repository so a clone on its own can run the tests.
const path = new URL('./vectors/webpush-rfc.json', import.meta.url);

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

/** The RFC vectors (a copy of shared/vectors/webpush-rfc.json), read as published. */
export const vectors: Vectors = JSON.parse(readFileSync(path, 'utf8'));

/** Shorthand for decoding a vector field. */
export const b64 = decodeBase64Url;
