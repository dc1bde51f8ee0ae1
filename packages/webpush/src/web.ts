// @outpost/webpush/web: the browser-safe entry. Message encryption and decryption (RFC 8291/8188 and the
// legacy aesgcm), VAPID keys, signing and verification (RFC 8292), all on WebCrypto (globalThis.crypto.subtle)
// alone: no module reachable from here imports node:, so it bundles for browsers, service workers, Deno and
// Workers. The sender (HTTP pools, worker threads, fan-out) is Node-only and lives in the main entry.

export { decodeBase64Url, encodeBase64Url } from './base64url.js';
export type { CryptoBackend, RawKeyPair } from './crypto-backend.js';
export { defaultCryptoBackend } from './crypto-runtime.js';
export { webCrypto } from './crypto-web.js';
export {
  type ContentEncoding,
  DEFAULT_RECORD_SIZE,
  type DecryptOptions,
  decrypt,
  type EncryptedPayload,
  type EncryptOptions,
  encrypt,
  MAX_PAYLOAD_BYTES,
} from './encrypt.js';
export { PushCryptoError, type PushCryptoErrorCode } from './errors.js';
export {
  type DecodedSubscriptionKeys,
  decodeSubscriptionKeys,
  generateUserAgentKeys,
  type PushSubscriptionJSON,
  type PushSubscriptionKeys,
  subscriptionKeys,
  type UserAgentKeys,
} from './keys.js';
export {
  DEFAULT_VAPID_EXPIRATION_SECONDS,
  decodeVapidKeys,
  generateVapidKeys,
  isValidVapidSubject,
  MAX_VAPID_EXPIRATION_SECONDS,
  type VapidKeys,
  type VapidOptions,
  vapidAudience,
  vapidAuthorization,
  vapidHeaders,
} from './vapid.js';
export { type VapidFailure, type VapidVerification, type VapidVerifyInput, verifyVapid } from './vapid-verify.js';
