import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { utf8 } from './bytes.js';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';

// Compact JWS with ES256, the only form VAPID uses. The header is fixed, so its encoding is computed once.

const ES256_HEADER = encodeBase64Url(utf8(JSON.stringify({ typ: 'JWT', alg: 'ES256' })));

/** Signs `claims` as an ES256 JWT: base64url(header).base64url(claims).base64url(r || s). */
export async function signEs256Jwt(
  crypto: CryptoBackend,
  key: RawKeyPair,
  claims: Record<string, unknown>,
): Promise<string> {
  const signingInput = `${ES256_HEADER}.${encodeBase64Url(utf8(JSON.stringify(claims)))}`;
  const signature = await crypto.signEs256(key, utf8(signingInput));
  return `${signingInput}.${encodeBase64Url(signature)}`;
}

/** A compact JWS split into its decoded parts; null when it is not three base64url parts of JSON objects. */
export interface ParsedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: Uint8Array;
  signature: Uint8Array;
}

function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64Url(part)));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Splits and decodes a compact JWS without verifying it. */
export function parseJwt(jwt: string): ParsedJwt | null {
  const parts = jwt.split('.');
  if (parts.length !== 3) return null;
  const [h, c, s] = parts as [string, string, string];
  // JWS uses unpadded base64url only; be strict here so a token has exactly one encoding.
  if (!/^[A-Za-z0-9_-]+$/.test(h) || !/^[A-Za-z0-9_-]+$/.test(c) || !/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const header = jsonObject(h);
  const claims = jsonObject(c);
  if (!header || !claims) return null;
  let signature: Uint8Array;
  try {
    signature = decodeBase64Url(s);
  } catch {
    return null;
  }
  return { header, claims, signingInput: utf8(`${h}.${c}`), signature };
}
