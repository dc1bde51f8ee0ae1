import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PushCore } from '../delivery/push-core.js';
import { newMessageId } from '../protocol/ids.js';
import { redactUrl } from '../redact.js';
import { Errno, PushError } from './push-error.js';
import { MAX_PAYLOAD_BYTES, parseEncryption, parseTopic, parseTtl, parseUrgency } from './push-headers.js';
import type { RateLimiter } from './rate-limiter.js';
import type { VapidGate } from './vapid-gate.js';

/** What the routes need besides the core. */
export interface RouteOptions {
  core: PushCore;
  vapid: VapidGate;
  limiter: RateLimiter;
  maxTtl: number;
  /** Seconds an application server should wait when a user agent's storage is full. */
  storageRetryAfter: number;
  /** Open WebSockets (with or without `hello`) and what the connection limits closed, for `/health`. */
  sockets(): { open: number; closed: Readonly<Record<string, number>> };
}

const MESSAGE_ID = /^[A-Za-z0-9_-]{22}$/;
const EMPTY = Buffer.alloc(0);

/**
 * The application-server side (RFC 8030): `POST /push/:token` (a push message), `DELETE /m/:id` (cancel an
 * undelivered message), `GET /health`. Every refusal is `{code, errno, error, message}` JSON.
 */
export function registerRoutes(app: FastifyInstance, options: RouteOptions): void {
  const { core, vapid, limiter, maxTtl } = options;

  // Push bodies are opaque bytes whatever their Content-Type (often none, or application/octet-stream).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_PAYLOAD_BYTES }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof PushError) return sendError(reply, error);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, new PushError(413, Errno.payloadTooLarge, `body exceeds ${MAX_PAYLOAD_BYTES} bytes`));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) return sendError(reply, new PushError(status, 0, error.message));
    request.log.error({ err: error, url: redactUrl(request.url) }, 'request failed');
    return sendError(reply, new PushError(500, Errno.internal, 'internal error; the message was not accepted'));
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new PushError(404, Errno.invalidEndpoint, `no route for ${request.method} ${request.url}`));
  });

  // `connections`: user agents past `hello`; `sockets`: every open WebSocket, including those not (yet) past it.
  app.get('/health', async () => {
    const { open, closed } = options.sockets();
    return { status: 'ok', node: core.router.nodeId, connections: core.registry.size, sockets: open, closed };
  });

  app.post<{ Params: { token: string } }>('/push/:token', async (request, reply) => {
    // Opening the token is pure crypto: a forged or tampered one never reaches the store.
    const opened = core.keyring.open(request.params.token);
    if (!opened.ok) throw new PushError(404, Errno.invalidEndpoint, `unknown push endpoint (${opened.error} token)`);
    const { uaid, channelID, keyHash } = opened.claims;
    const storedKeyHash = keyHash ? Buffer.from(keyHash).toString('base64url') : null;
    const h = request.headers;
    const body = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    const ttl = parseTtl(single(h.ttl), maxTtl);
    const urgency = parseUrgency(single(h.urgency));
    const topic = parseTopic(single(h.topic));
    const crypto = parseEncryption(body, {
      contentEncoding: single(h['content-encoding']),
      encryption: single(h.encryption),
      cryptoKey: single(h['crypto-key']),
    });
    await vapid.check(single(h.authorization), single(h['crypto-key']), keyHash);
    const wait = limiter.take(`${uaid}/${channelID}`);
    if (wait > 0) {
      throw new PushError(429, Errno.rateLimited, 'too many messages for this subscription', {
        'retry-after': String(wait),
      });
    }
    const now = Date.now();
    const id = newMessageId();
    const outcome = await core.accept(
      {
        id,
        uaid,
        channel_id: channelID,
        topic: topic ?? null,
        ttl,
        expires_at: now + ttl * 1000,
        urgency,
        data: crypto ? body.toString('base64url') : null,
        encoding: crypto?.encoding ?? null,
        encryption: crypto?.encryption ?? null,
        crypto_key: crypto?.crypto_key ?? null,
        created_at: now,
      },
      storedKeyHash,
    );
    if (outcome.kind === 'gone') {
      throw new PushError(410, Errno.invalidSubscription, 'the subscription is gone (the user agent unsubscribed)');
    }
    if (outcome.kind === 'storage-full') {
      const message =
        outcome.scope === 'user-agent'
          ? `the user agent already has ${outcome.limit} undelivered messages; retry once it has reconnected`
          : `this subscription already has its share (${outcome.limit}) of the user agent's undelivered messages; retry once it has reconnected`;
      throw new PushError(429, Errno.storageLimit, message, { 'retry-after': String(options.storageRetryAfter) });
    }
    reply.code(201).header('location', `${core.publicUrl}/m/${id}`).header('ttl', String(ttl));
    return reply.send();
  });

  app.delete<{ Params: { id: string } }>('/m/:id', async (request, reply) => {
    if (!MESSAGE_ID.test(request.params.id)) throw new PushError(404, Errno.notFound, 'unknown message');
    // Idempotent: deleting a message that was delivered or already deleted is not an error.
    await core.store.deleteMessage(request.params.id);
    return reply.code(204).send();
  });
}

function sendError(reply: FastifyReply, error: PushError): FastifyReply {
  return reply.code(error.status).headers(error.headers).type('application/json').send(error.toBody());
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
