import { decodeBase64Url } from './base64url.js';
import type { CryptoBackend } from './crypto-backend.js';
import { resolveCrypto } from './crypto-runtime.js';
import { parseHeaderParams } from './header-params.js';
import { parseJwt } from './jws.js';
import { isP256Point } from './p256.js';
import { isValidVapidSubject, MAX_VAPID_EXPIRATION_SECONDS } from './vapid.js';

/** Why a VAPID header was refused. */
export type VapidFailure =
  | 'missing'
  | 'malformed'
  | 'bad-signature'
  | 'bad-alg'
  | 'bad-audience'
  | 'expired'
  | 'exp-too-far'
  | 'bad-subject'
  | 'bad-key';

/** The outcome of {@link verifyVapid}: the verified key and claims, or a typed reason with a readable message. */
export type VapidVerification =
  | { ok: true; publicKey: Uint8Array; claims: { aud: string; exp: number; sub?: string } }
  | { ok: false; reason: VapidFailure; message: string };

/** Input for {@link verifyVapid}. */
export interface VapidVerifyInput {
  /** The Authorization header: `vapid t=…, k=…`, or legacy `WebPush <jwt>`. */
  authorization?: string;
  /** The Crypto-Key header; only the legacy scheme reads its `p256ecdsa` parameter. */
  cryptoKey?: string;
  /** The push service origin the token must name, e.g. `https://push.example.net:8443`. */
  audience: string;
  /** Clock in milliseconds; `Date.now()` by default. */
  now?: number;
  crypto?: CryptoBackend;
}

// Senders' clocks drift; a token a minute past the 24 h bound is a clock problem, not abuse.
const CLOCK_SKEW_SECONDS = 60;

function fail(reason: VapidFailure, message: string): VapidVerification {
  return { ok: false, reason, message };
}

function originOf(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

function splitAuthorization(
  authorization: string,
  cryptoKey: string | undefined,
): { jwt: string; key: string } | { error: VapidVerification } {
  const match = /^\s*(\S+)\s+(.*?)\s*$/s.exec(authorization);
  const scheme = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (scheme === 'vapid') {
    const params = new Map<string, string>();
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const jwt = params.get('t');
    const key = params.get('k');
    if (!jwt || !key) return { error: fail('malformed', 'vapid Authorization needs both t= and k= parameters') };
    return { jwt, key };
  }
  if (scheme === 'webpush') {
    const key = cryptoKey ? parseHeaderParams(cryptoKey).get('p256ecdsa') : undefined;
    if (!key) return { error: fail('bad-key', 'WebPush Authorization needs a Crypto-Key header with p256ecdsa=') };
    return { jwt: rest, key };
  }
  return { error: fail('malformed', 'Authorization scheme must be vapid (or legacy WebPush)') };
}

/**
 * Verifies a VAPID Authorization header as a push service does (RFC 8292): ES256 signature under the key in
 * the header, `aud` equal to the expected origin, `exp` in the future and at most 24 hours ahead, `sub` (if
 * present) a mailto: or https: URL. Never throws for bad input; the reason says what was wrong.
 *
 * @example
 * const v = await verifyVapid({ authorization: req.headers.authorization, audience: 'https://push.example.net' });
 * if (!v.ok) reply.code(401).send({ reason: v.reason, message: v.message });
 */
export async function verifyVapid(input: VapidVerifyInput): Promise<VapidVerification> {
  if (!input.authorization?.trim()) return fail('missing', 'no Authorization header');
  const parts = splitAuthorization(input.authorization, input.cryptoKey);
  if ('error' in parts) return parts.error;
  let publicKey: Uint8Array;
  try {
    publicKey = decodeBase64Url(parts.key);
  } catch {
    return fail('bad-key', 'the VAPID public key is not base64url');
  }
  if (!isP256Point(publicKey)) return fail('bad-key', 'the VAPID public key is not a 65-byte P-256 point');
  const jwt = parseJwt(parts.jwt);
  if (!jwt) return fail('malformed', 'the token is not a compact JWS of three base64url JSON parts');
  if (jwt.header.alg !== 'ES256') return fail('bad-alg', `JWT alg must be ES256, got ${String(jwt.header.alg)}`);
  const { aud, exp, sub } = jwt.claims;
  if (typeof aud !== 'string') return fail('malformed', 'JWT has no aud claim');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return fail('malformed', 'JWT has no numeric exp claim');
  if (sub !== undefined && typeof sub !== 'string') return fail('malformed', 'JWT sub claim is not a string');
  const crypto = await resolveCrypto(input.crypto);
  if (jwt.signature.length !== 64 || !(await crypto.verifyEs256(publicKey, jwt.signingInput, jwt.signature))) {
    return fail('bad-signature', 'the JWT signature does not verify under the VAPID public key');
  }
  const expected = originOf(input.audience) ?? input.audience;
  if ((originOf(aud) ?? aud) !== expected) return fail('bad-audience', `JWT aud is ${aud}, expected ${expected}`);
  const nowSeconds = (input.now ?? Date.now()) / 1000;
  if (exp <= nowSeconds) return fail('expired', `JWT expired at ${new Date(exp * 1000).toISOString()}`);
  if (exp > nowSeconds + MAX_VAPID_EXPIRATION_SECONDS + CLOCK_SKEW_SECONDS) {
    return fail('exp-too-far', 'JWT exp is more than 24 hours ahead');
  }
  if (sub !== undefined && !isValidVapidSubject(sub)) {
    return fail('bad-subject', `JWT sub must be a mailto: or https: URL, got ${JSON.stringify(sub)}`);
  }
  return { ok: true, publicKey, claims: sub === undefined ? { aud, exp } : { aud, exp, sub } };
}
