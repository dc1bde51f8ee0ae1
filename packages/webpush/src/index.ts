// @outpost/webpush: Web Push for both ends. RFC 8291/8188 message encryption and decryption, RFC 8292 VAPID
// signing and verification, and a fast sender with fan-out. This is the Node entry: node:crypto is the default
// backend and the sender's HTTP pools and worker threads are here. Browsers, Deno and Workers import
// `@outpost/webpush/web` (web.ts), which reaches no node: module.
import './crypto-runtime-node.js';

export { decodeBase64Url, encodeBase64Url } from './base64url.js';
export type { SendOutcome } from './classify.js';
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
export { PushCryptoError, type PushCryptoErrorCode, PushRequestError, type PushRequestErrorCode } from './errors.js';
export { type FanOutOptions, type FanOutProgress, type FanOutSummary, fanOut } from './fanout.js';
export { PushHttpClient, type PushHttpClientOptions, sharedPushHttpClient } from './http-client.js';
export {
  type DecodedSubscriptionKeys,
  decodeSubscriptionKeys,
  generateUserAgentKeys,
  type PushSubscriptionJSON,
  type PushSubscriptionKeys,
  subscriptionKeys,
  type UserAgentKeys,
} from './keys.js';
export { DEFAULT_TTL_SECONDS, type PushMessageOptions, type Urgency } from './push-headers.js';
export type { RetryPolicy } from './retry.js';
export { type SendOptions, type SendResult, sendNotification, type VapidDetails } from './sender.js';
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
