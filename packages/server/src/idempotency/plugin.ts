import { createHash } from 'node:crypto';
import { migrate, type Store } from '@outpost/store';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import '../accounts/require-user.js';
import { decide, isStoredStatus } from './decision.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  InvalidIdempotencyKeyError,
  parseIdempotencyKey,
  REPLAYED_HEADER,
} from './key-header.js';
import { type KeyId, KeyStore } from './key-store.js';
import { idempotencyMigrations } from './migrations.js';

/** How a route uses keys: `required` answers 400 without one, `optional` runs keyless requests normally. */
export type IdempotencyMode = 'required' | 'optional';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Makes the route idempotent with the {@link idempotency} plugin. */
    idempotency?: IdempotencyMode;
  }
}

/** Options of the {@link idempotency} plugin. */
export interface IdempotencyOptions {
  store: Store;
  /** How long a key and its stored response are kept. Default 24 hours. */
  ttlMs?: number;
  /**
   * How long a request may hold its key while running before a retry may take the key over (the first request's
   * process is then assumed dead). Default 5 minutes; keep it far above the slowest handler.
   */
  lockTimeoutMs?: number;
  /**
   * Which client a key belongs to; keys of different scopes never meet. Default: the signed-in user's id from the
   * accounts plugin, or `''` for anonymous requests.
   */
  scope?: (request: FastifyRequest) => string;
  /** The clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** Response headers that belong to the stored response; the rest (dates, cookies, CSP) are made fresh per reply. */
const STORED_HEADERS = ['content-type', 'location', 'etag', 'retry-after'];

const idempotencyPlugin: FastifyPluginAsync<IdempotencyOptions> = async (fastify, options) => {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  for (const [name, value] of [
    ['ttlMs', ttlMs],
    ['lockTimeoutMs', lockTimeoutMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}`);
  }
  const now = options.now ?? Date.now;
  const scopeOf = options.scope ?? ((request: FastifyRequest) => request.user?.id ?? '');
  const keys = new KeyStore(options.store);
  const claims = new WeakMap<FastifyRequest, KeyId>();

  await migrate(options.store, 'idempotency', idempotencyMigrations);
  await keys.sweep(now());
  const sweeper = setInterval(() => {
    keys.sweep(now()).catch((error: unknown) => fastify.log.warn({ err: error }, 'idempotency sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  fastify.addHook('onClose', async () => clearInterval(sweeper));

  const refuse = (reply: FastifyReply, statusCode: number, error: string, message: string) =>
    reply.code(statusCode).send({ statusCode, error, message });

  const checkKey: preHandlerHookHandler = async function checkKey(request, reply) {
    const mode = request.routeOptions.config.idempotency;
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) {
      if (mode === 'required')
        return refuse(reply, 400, 'Bad Request', 'this request requires an Idempotency-Key header');
      return;
    }
    let key: string;
    try {
      key = parseIdempotencyKey(Array.isArray(header) ? header.join(',') : header);
    } catch (error) {
      if (error instanceof InvalidIdempotencyKeyError) return refuse(reply, 400, 'Bad Request', error.message);
      throw error;
    }
    const id = { scope: scopeOf(request), key };
    const fingerprint = requestFingerprint(request);
    // Two rounds at most: a claim can lose a race with a request that is finishing, and then its record decides.
    for (let round = 0; round < 2; round++) {
      const at = now();
      const decision = decide(await keys.find(id), fingerprint, at, lockTimeoutMs);
      switch (decision.kind) {
        case 'run':
          if (await keys.claim(id, fingerprint, at, at + ttlMs)) return void claims.set(request, id);
          break;
        case 'take-over':
          if (await keys.takeOver(id, fingerprint, at, at + ttlMs, at - lockTimeoutMs)) {
            return void claims.set(request, id);
          }
          break;
        case 'replay':
          reply.code(decision.status).headers({ ...decision.headers, [REPLAYED_HEADER]: 'true' });
          return reply.send(decision.body === null ? undefined : Buffer.from(decision.body));
        case 'conflict':
          reply.header('retry-after', '1');
          return refuse(reply, 409, 'Conflict', 'a request with this Idempotency-Key is still being processed');
        case 'mismatch':
          return refuse(reply, 422, 'Unprocessable Entity', 'this Idempotency-Key was used for a different request');
      }
    }
    reply.header('retry-after', '1');
    return refuse(reply, 409, 'Conflict', 'a request with this Idempotency-Key is still being processed');
  };

  const storeResponse: onSendHookHandler = async function storeResponse(request, reply, payload) {
    const id = claims.get(request);
    if (!id) return payload;
    claims.delete(request);
    const body = payloadBytes(payload);
    if (!isStoredStatus(reply.statusCode) || body === undefined) {
      await keys.release(id);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    // Stored before the response leaves: whoever could have seen it finds the record on a retry.
    await keys.complete(id, { status: reply.statusCode, headers, body });
    return payload;
  };

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.idempotency) return;
    // Appended, so the route's own preHandlers (requireUser) run first and the scope sees the signed-in user.
    route.preHandler = [...toArray(route.preHandler), checkKey];
    route.onSend = [...toArray(route.onSend), storeResponse];
  });
};

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Same key + same method, URL and body = same request; the body as parsed, so JSON whitespace does not count. */
function requestFingerprint(request: FastifyRequest): string {
  const body = request.body;
  const bodyText =
    body === undefined || body === null
      ? ''
      : typeof body === 'string'
        ? body
        : Buffer.isBuffer(body)
          ? body.toString('base64')
          : JSON.stringify(body);
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.url, bodyText]))
    .digest('base64url');
}

/** The bytes of an onSend payload, null for no body, undefined for a stream (which cannot be stored). */
function payloadBytes(payload: unknown): Uint8Array | null | undefined {
  if (payload === null || payload === undefined) return null;
  if (typeof payload === 'string') return Buffer.from(payload);
  if (payload instanceof Uint8Array) return payload;
  return undefined;
}

/**
 * Idempotent routes for a Fastify 5 app, per the IETF httpapi "The Idempotency-Key HTTP Header Field" draft, over
 * `@outpost/store` (SQLite or Postgres). Mark a route with `config: { idempotency: 'required' }` (or `'optional'`):
 * - the first request with a key runs, and its 2xx/3xx response is stored before it is sent;
 * - a repeat (same key, method, URL and body) gets the stored status, body and content type, plus
 *   `Idempotent-Replayed: true`, without running the handler;
 * - a repeat while the first still runs gets 409 (`Retry-After: 1`); the key with a different request gets 422;
 * - no key on a `required` route gets 400, as does a malformed key;
 * - an error response (4xx/5xx) releases the key: the handler made no change, so a retry runs again;
 * - keys expire after `ttlMs` (default 24 h) and are swept hourly.
 * Keys are scoped per user (the accounts plugin's `request.user`) unless `scope` says otherwise. Handlers must make
 * their change only when they answer with success.
 *
 * @example
 * ```ts
 * await app.register(idempotency, { store });
 * app.post('/api/mail', { preHandler: requireUser, config: { idempotency: 'required' } }, sendMail);
 * ```
 */
export const idempotency = fp(idempotencyPlugin, { name: '@outpost/server/idempotency', fastify: '5.x' });
