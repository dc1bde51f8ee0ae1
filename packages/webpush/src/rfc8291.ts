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

/** Encrypts into an aes128gcm body (header with keyid = sender public key, then the records). */
export async function sealWebPush(crypto: CryptoBackend, input: WebPushSealInput): Promise<Uint8Array> {
  let asPublic: Uint8Array;
  let ecdhSecret: Uint8Array;
  if (input.senderKeys) {
    asPublic = input.senderKeys.publicKey;
    ecdhSecret = await crypto.ecdh(input.senderKeys, input.uaPublic);
  } else {
    ({ publicKey: asPublic, secret: ecdhSecret } = await crypto.ephemeralEcdh(input.uaPublic));
  }
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
