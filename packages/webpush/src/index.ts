// @outpost/webpush: Web Push for both ends. RFC 8291/8188 message encryption and decryption, RFC 8292 VAPID
// signing and verification, and a fast sender with fan-out. This is the Node entry: node:crypto is the default
// backend and the sender's HTTP pools and worker threads are here. Browsers, Deno and Workers import
// `@outpost/webpush/web` (web.ts), which reaches no node: module.
import './crypto-runtime-node.js';

// What only Node runs (the sender and fan-out); everything else is the browser entry's, re-exported below.
export type { SendOutcome } from './classify.js';
export { PushRequestError, type PushRequestErrorCode } from './errors.js';
export { type FanOutOptions, type FanOutProgress, type FanOutSummary, fanOut } from './fanout.js';
export { PushHttpClient, type PushHttpClientOptions, sharedPushHttpClient } from './http-client.js';
export { DEFAULT_TTL_SECONDS, type PushMessageOptions, type Urgency } from './push-headers.js';
export type { RetryPolicy } from './retry.js';
export { type SendOptions, type SendResult, sendNotification, type VapidDetails } from './sender.js';
// Encryption, decryption, keys and VAPID: the browser entry, whole.
export * from './web.js';
