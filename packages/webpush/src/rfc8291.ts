import { concatBytes, utf8 } from './bytes.js';
import type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
import { type Aes128gcmHeader, openRecords, planRecords, sealRecords } from './ece.js';
import { PushCryptoError } from './errors.js';
import { isP256Point } from './p256.js';

// RFC 8291: the ECDH + auth secret key schedule that turns a subscription's keys into the IKM of an RFC 8188
// aes128gcm body whose keyid is the application server's ephemeral public key.

const KEY_INFO_PREFIX = utf8('WebPush: info\0');

/**
 * IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" || 0x00 || ua_public || as_public, 32).
 */
export function deriveWebPushIkm(
  crypto: CryptoBackend,
  input: { ecdhSecret: Uint8Array; auth: Uint8Array; uaPublic: Uint8Array; asPublic: Uint8Array },
): Promise<Uint8Array> {
  const info = concatBytes(KEY_INFO_PREFIX, input.uaPublic, input.asPublic);
  return crypto.hkdf(input.auth, input.ecdhSecret, info, 32);
}

/** Inputs for one aes128gcm Web Push body. */
export interface WebPushSealInput {
  plaintext: Uint8Array;
  uaPublic: Uint8Array;
  auth: Uint8Array;
  salt: Uint8Array;
  recordSize: number;
  padding: number;
  /** A fixed sender key pair (tests, vectors); a fresh one per message otherwise. */
  senderKeys?: RawKeyPair;
}

/**
 * The application server's side of the key agreement both content codings start with: its public key and the
 * ECDH secret with the user agent's key — from `senderKeys` when given (test vectors, reuse), else from a
 * fresh ephemeral pair, as the RFCs require for each message.
 */
export async function senderAgreement(
  crypto: CryptoBackend,
  senderKeys: RawKeyPair | undefined,
  uaPublic: Uint8Array,
): Promise<{ asPublic: Uint8Array; ecdhSecret: Uint8Array }> {
  if (senderKeys) return { asPublic: senderKeys.publicKey, ecdhSecret: await crypto.ecdh(senderKeys, uaPublic) };
  const { publicKey, secret } = await crypto.ephemeralEcdh(uaPublic);
  return { asPublic: publicKey, ecdhSecret: secret };
}

/** Encrypts into an aes128gcm body (header with keyid = sender public key, then the records). */
export async function sealWebPush(crypto: CryptoBackend, input: WebPushSealInput): Promise<Uint8Array> {
  const { asPublic, ecdhSecret } = await senderAgreement(crypto, input.senderKeys, input.uaPublic);
  const ikm = await deriveWebPushIkm(crypto, { ecdhSecret, auth: input.auth, uaPublic: input.uaPublic, asPublic });
  const header: Aes128gcmHeader = { salt: input.salt, recordSize: input.recordSize, keyId: asPublic };
  return sealRecords(crypto, { ikm, header, records: planRecords(input.plaintext, input.recordSize, input.padding) });
}

/** Decrypts an aes128gcm Web Push body with the user agent's key pair and auth secret. */
export function openWebPush(
  crypto: CryptoBackend,
  body: Uint8Array,
  ua: { keyPair: RawKeyPair; auth: Uint8Array },
): Promise<Uint8Array> {
  return openRecords(crypto, body, async (header) => {
    if (!isP256Point(header.keyId)) {
      throw new PushCryptoError('decrypt-failed', 'aes128gcm keyid is not the sender’s P-256 public key');
    }
    const ecdhSecret = await crypto.ecdh(ua.keyPair, header.keyId);
    return deriveWebPushIkm(crypto, {
      ecdhSecret,
      auth: ua.auth,
      uaPublic: ua.keyPair.publicKey,
      asPublic: header.keyId,
    });
  });
}
