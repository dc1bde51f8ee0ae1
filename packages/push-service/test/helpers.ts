import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContentEncoding,
  decodeBase64Url,
  encodeBase64Url,
  encrypt,
  type PushSubscriptionJSON,
  type VapidKeys,
  vapidAuthorization,
} from '@outpost/webpush';
import { pino } from 'pino';
import { createPushService, type PushService, type PushServiceOptions } from '../src/index.js';

/** A service on a free port over a fresh SQLite file (or the given db). */
export async function startService(
  options: Partial<PushServiceOptions> = {},
): Promise<{ service: PushService; url: string; wsUrl: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-push-'));
  const service = await createPushService({
    db: join(dir, 'push.db'),
    secrets: ['test secret of sufficient length'],
    port: 0,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  const { url, wsUrl } = await service.listen();
  return {
    service,
    url,
    wsUrl,
    async stop() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of {@link push}. */
export interface PushOptions {
  ttl?: number | string | null;
  topic?: string;
  urgency?: string;
  encoding?: ContentEncoding;
  vapid?: VapidKeys;
  /** Replaces the computed Authorization header. */
  authorization?: string;
  headers?: Record<string, string>;
  /** A raw body instead of an encrypted payload. */
  body?: Uint8Array;
}

/** POSTs a push message like an application server: encrypts `payload` for the subscription, signs VAPID. */
export async function push(
  subscription: PushSubscriptionJSON,
  payload: string | undefined,
  options: PushOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.ttl !== null) headers.TTL = String(options.ttl ?? 60);
  if (options.topic !== undefined) headers.Topic = options.topic;
  if (options.urgency !== undefined) headers.Urgency = options.urgency;
  let body: Uint8Array | undefined = options.body;
  if (payload !== undefined) {
    const encrypted = await encrypt(payload, subscription.keys, { encoding: options.encoding ?? 'aes128gcm' });
    body = encrypted.body;
    Object.assign(headers, encrypted.headers);
  }
  if (options.vapid) {
    const authorization = await vapidAuthorization(subscription.endpoint, {
      keys: options.vapid,
      subject: 'mailto:test@example.com',
    });
    headers.Authorization = authorization;
  }
  if (options.authorization !== undefined) headers.Authorization = options.authorization;
  Object.assign(headers, options.headers);
  return fetch(subscription.endpoint, { method: 'POST', headers, body: body && new Uint8Array(body) });
}

/** Signs an arbitrary VAPID JWT (for tokens the real signer refuses to make, e.g. exp 48 h ahead). */
export function signVapid(keys: VapidKeys, claims: Record<string, unknown>): string {
  const pub = decodeBase64Url(keys.publicKey);
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: encodeBase64Url(pub.subarray(1, 33)),
    y: encodeBase64Url(pub.subarray(33, 65)),
    d: keys.privateKey,
  };
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `vapid t=${header}.${payload}.${signature.toString('base64url')}, k=${keys.publicKey}`;
}

/** The JSON error body of a refused push. */
export async function errorOf(response: Response): Promise<{ code: number; errno: number; message: string }> {
  return (await response.json()) as { code: number; errno: number; message: string };
}
