import { setTimeout as sleep } from 'node:timers/promises';
import { classifyResponse, type SendOutcome } from './classify.js';
import type { CryptoBackend } from './crypto-backend.js';
import { type ContentEncoding, encrypt } from './encrypt.js';
import { PushCryptoError } from './errors.js';
import { type PushHttpClient, sharedPushHttpClient } from './http-client.js';
import type { PushSubscriptionJSON } from './keys.js';
import { type PushMessageOptions, pushMessageHeaders } from './push-headers.js';
import { type ResolvedRetryPolicy, type RetryPolicy, resolveRetryPolicy, retryDelay } from './retry.js';
import { joinCryptoKey, type VapidKeys, vapidHeadersLease } from './vapid.js';

/** VAPID identity of the application server. */
export interface VapidDetails {
  keys: VapidKeys;
  /** `mailto:` or `https:` contact URL. */
  subject: string;
  /** JWT lifetime, 12 h by default, at most 24 h. */
  expiresInSeconds?: number;
}

/** Options for {@link sendNotification}. */
export interface SendOptions extends PushMessageOptions {
  /** Sign requests with VAPID (RFC 8292); needed by every public push service. */
  vapid?: VapidDetails;
  /** aes128gcm by default. */
  encoding?: ContentEncoding;
  /** Zero octets to add after the payload. */
  padding?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Retries for 429, 5xx and network errors; `false` disables them. */
  retry?: RetryPolicy | false;
  /** Per-attempt timeout for the response headers and body, 30 s by default. */
  timeoutMs?: number;
  /** Connection pools to use; a process-wide shared client by default. */
  client?: PushHttpClient;
  signal?: AbortSignal;
  crypto?: CryptoBackend;
}

interface ResultBase {
  endpoint: string;
  /** Requests made, retries included (0 when nothing was sent). */
  attempts: number;
}

/**
 * What happened to one message:
 * - `delivered`: 201/202 (Location = the message's URL at the push service);
 * - `expired`: 404/410, the subscription is gone: delete it;
 * - `too-large`: 413;
 * - `rate-limited`: 429 still after retries, or a Retry-After longer than the policy waits;
 * - `rejected`: another 4xx, with the service's reason (bad VAPID, bad headers …);
 * - `failed`: network error or 5xx after retries;
 * - `invalid`: the subscription itself is unusable (bad endpoint or keys); nothing was sent.
 */
export type SendResult =
  | (ResultBase & { result: 'delivered'; status: number; location?: string })
  | (ResultBase & { result: 'expired' | 'too-large' | 'rejected'; status: number; reason: string })
  | (ResultBase & { result: 'rate-limited'; status: number; reason: string; retryAfterSeconds?: number })
  | (ResultBase & { result: 'failed'; status?: number; reason: string })
  | (ResultBase & { result: 'invalid'; code: string; reason: string });

export type { SendOutcome };

/** A message ready for the wire: everything but the Authorization header. */
export interface PreparedMessage {
  endpoint: string;
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** The fixed parts of delivering: pools, retry policy, VAPID identity. */
export interface DeliveryContext {
  client: PushHttpClient;
  retry: ResolvedRetryPolicy;
  timeoutMs: number;
  vapid?: VapidDetails;
  /** Chooses the VAPID header form: RFC 8292 `vapid` for aes128gcm, `WebPush` + `Crypto-Key` for aesgcm. */
  encoding?: ContentEncoding;
  signal?: AbortSignal;
  crypto?: CryptoBackend;
}

/** Builds the delivery context from send options (validating the retry policy). */
export function deliveryContext(options: SendOptions): DeliveryContext {
  return {
    client: options.client ?? sharedPushHttpClient(),
    retry: resolveRetryPolicy(options.retry),
    timeoutMs: options.timeoutMs ?? 30_000,
    vapid: options.vapid,
    encoding: options.encoding,
    signal: options.signal,
    crypto: options.crypto,
  };
}

/** Parses an endpoint, or says why it cannot be sent to. */
export function parseEndpoint(endpoint: unknown): URL | string {
  if (typeof endpoint !== 'string') return 'endpoint is not a string';
  try {
    const url = new URL(endpoint);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
    return `endpoint must be an http(s) URL, got ${url.protocol}`;
  } catch {
    return `endpoint is not a URL: ${JSON.stringify(endpoint.slice(0, 200))}`;
  }
}

function networkReason(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return code ? `${code}: ${message}` : message;
}

interface SignedHeaders {
  base: Record<string, string>;
  headers: Record<string, string>;
  from: number;
  until: number;
}

// The last signed headers per context and origin. A fan-out's messages share one headers object (aes128gcm
// puts nothing per message in them), so most messages take theirs from here instead of rebuilding the VAPID
// header and the joined object; reused only while the token cache would hand out the same token.
const signedHeaders = new WeakMap<DeliveryContext, Map<string, SignedHeaders>>();

function reusedVapid(message: PreparedMessage, ctx: DeliveryContext): Record<string, string> | undefined {
  const last = signedHeaders.get(ctx)?.get(message.url.origin);
  if (!last || last.base !== message.headers) return undefined;
  const now = Date.now();
  return now >= last.from && now < last.until ? last.headers : undefined;
}

async function withVapid(message: PreparedMessage, ctx: DeliveryContext, vapid: VapidDetails) {
  const origin = message.url.origin;
  let byOrigin = signedHeaders.get(ctx);
  const lease = await vapidHeadersLease(origin, { ...vapid, crypto: ctx.crypto }, ctx.encoding);
  const headers = joinCryptoKey(message.headers, lease.headers);
  if (!byOrigin) {
    byOrigin = new Map();
    signedHeaders.set(ctx, byOrigin);
  }
  // Bounded like the token cache: a send to very many origins keeps the most recent.
  if (byOrigin.size >= 1_000 && !byOrigin.has(origin)) byOrigin.clear();
  byOrigin.set(origin, { base: message.headers, headers, from: lease.from, until: lease.until });
  return headers;
}

/**
 * POSTs a prepared message, retrying 429, 5xx and network errors with backoff and jitter (never sooner than
 * Retry-After, never more than the policy allows), and classifies the answer.
 */
export async function deliver(message: PreparedMessage, ctx: DeliveryContext): Promise<SendResult> {
  const { endpoint } = message;
  for (let attempt = 1; ; attempt++) {
    // Signed per attempt: a retry after a long Retry-After may need a fresh token (the cache renews it).
    const headers = ctx.vapid
      ? (reusedVapid(message, ctx) ?? (await withVapid(message, ctx, ctx.vapid)))
      : message.headers;
    let outcome: { outcome: SendOutcome; reason: string; status?: number; retryAfterMs?: number; final: boolean };
    try {
      const response = await ctx.client.post(message.url, headers, message.body, {
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
      });
      const verdict = classifyResponse(response.status, response.headers, response.text, Date.now());
      if (verdict.final && verdict.outcome === 'delivered') {
        const location = response.headers.location;
        return {
          result: 'delivered',
          endpoint,
          status: response.status,
          attempts: attempt,
          ...(typeof location === 'string' ? { location } : {}),
        };
      }
      outcome = {
        ...verdict,
        reason: verdict.reason ?? `HTTP ${response.status}`,
        status: response.status,
      };
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      outcome = { final: false, outcome: 'failed', reason: networkReason(error) };
    }
    const delay =
      !outcome.final && attempt <= ctx.retry.retries ? retryDelay(ctx.retry, attempt, outcome.retryAfterMs) : undefined;
    if (delay === undefined) return finalResult(endpoint, attempt, outcome);
    await sleep(delay, undefined, { signal: ctx.signal });
  }
}

function finalResult(
  endpoint: string,
  attempts: number,
  o: { outcome: SendOutcome; reason: string; status?: number; retryAfterMs?: number },
): SendResult {
  const status = o.status ?? 0;
  switch (o.outcome) {
    case 'rate-limited':
      return {
        result: 'rate-limited',
        endpoint,
        status,
        reason: o.reason,
        attempts,
        ...(o.retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(o.retryAfterMs / 1000) }),
      };
    case 'expired':
    case 'too-large':
    case 'rejected':
      return { result: o.outcome, endpoint, status, reason: o.reason, attempts };
    default:
      return { result: 'failed', endpoint, reason: o.reason, attempts, ...(o.status ? { status: o.status } : {}) };
  }
}

/** An `invalid` result for a subscription that cannot be sent to. */
export function invalidResult(endpoint: unknown, code: string, reason: string): SendResult {
  return { result: 'invalid', endpoint: typeof endpoint === 'string' ? endpoint : '', code, reason, attempts: 0 };
}

// Subscription data comes from browsers via the application's database: bad keys are a property of that
// one subscription, reported as a result. A payload too large or bad padding is the caller's bug and throws.
const SUBSCRIPTION_ERRORS = new Set(['invalid-p256dh', 'invalid-auth', 'invalid-base64']);

/** Turns a subscription-level crypto error into an `invalid` result; rethrows anything else. */
export function subscriptionErrorResult(endpoint: string, error: unknown): SendResult {
  if (error instanceof PushCryptoError && SUBSCRIPTION_ERRORS.has(error.code)) {
    return invalidResult(endpoint, error.code, error.message);
  }
  throw error;
}

/** The headers every message of a send carries: TTL, Urgency, Topic and any extras. */
export function baseHeaders(options: SendOptions): Record<string, string> {
  return { ...options.headers, ...pushMessageHeaders(options) };
}

/**
 * Sends one push message (RFC 8030) to a subscription: encrypts the payload (RFC 8291), signs with VAPID,
 * POSTs through a keep-alive pool, retries what is worth retrying, and says what happened.
 *
 * @throws {PushRequestError} for bad TTL/Urgency/Topic/retry options; {PushCryptoError} for a payload over
 * the limit. Bad subscriptions return `{ result: 'invalid' }`; network trouble returns `failed`.
 * @example
 * const r = await sendNotification(sub, JSON.stringify({ title: 'Hi' }), { vapid: { keys, subject: 'mailto:ops@example.com' }, ttl: 60 });
 * if (r.result === 'expired') await db.deleteSubscription(sub.endpoint);
 */
export async function sendNotification(
  subscription: PushSubscriptionJSON,
  payload: Uint8Array | string | null,
  options: SendOptions = {},
): Promise<SendResult> {
  const headers = baseHeaders(options);
  const ctx = deliveryContext(options);
  const endpoint = subscription?.endpoint;
  const url = parseEndpoint(endpoint);
  if (typeof url === 'string') return invalidResult(endpoint, 'invalid-endpoint', url);
  let body: Uint8Array | null = null;
  if (payload !== null) {
    try {
      const encrypted = await encrypt(payload, subscription.keys, {
        encoding: options.encoding,
        padding: options.padding,
        crypto: options.crypto,
      });
      body = encrypted.body;
      Object.assign(headers, encrypted.headers, { 'Content-Type': 'application/octet-stream' });
    } catch (error) {
      return subscriptionErrorResult(subscription.endpoint, error);
    }
  }
  return deliver({ endpoint: subscription.endpoint, url, headers, body }, ctx);
}
