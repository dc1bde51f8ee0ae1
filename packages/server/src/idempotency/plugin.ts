import { createHash, randomUUID } from 'node:crypto';
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
import type { ControlledTransaction, Transaction } from 'kysely';
import '../accounts/require-user.js';
import { acquireClaim, type ClaimResult } from './claim.js';
import { isStoredStatus } from './decision.js';
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

/** A route's idempotency setting in full. */
export interface IdempotencyRouteOptions {
  mode: IdempotencyMode;
  /**
   * Runs the handler inside one database transaction that also stores the response: the handler's change and the
   * key's record commit together or not at all (see {@link idempotentTransaction}). Default false.
   */
  transactional?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Makes the route idempotent with the {@link idempotency} plugin. */
    idempotency?: IdempotencyMode | IdempotencyRouteOptions;
  }
}

/** Options of the {@link idempotency} plugin. */
export interface IdempotencyOptions {
  store: Store;
  /** How long a key and its stored response are kept. Default 24 hours. */
  ttlMs?: number;
  /**
   * How long a request may hold its key while running before a retry may take the key over (the first request's
   * process is then assumed dead). Default 5 minutes; keep it far above the slowest handler. Only the
   * non-transactional form leaves a running claim behind a crash; a transactional claim dies with its transaction.
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

/** The claim a request holds while its handler runs. */
interface HeldClaim {
  /** Absent for a keyless request on a transactional route (it still runs in a transaction). */
  id: KeyId | null;
  token: string;
  transaction: ControlledTransaction<unknown> | null;
}

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** Response headers that belong to the stored response; the rest (dates, cookies, CSP) are made fresh per reply. */
const STORED_HEADERS = ['content-type', 'location', 'etag', 'retry-after'];

const transactions = new WeakMap<FastifyRequest, ControlledTransaction<unknown>>();

/**
 * The transaction a transactional idempotent route's handler makes its change in, typed with the caller's tables.
 * Every query of the handler must go through it: it commits together with the stored response when the handler
 * answers 2xx/3xx, and rolls back otherwise. (On SQLite it holds the one connection: a query on `store.db` from
 * inside the handler would wait for it forever.)
 *
 * @throws TypeError when the route is not marked `{ transactional: true }`, or outside its handler.
 */
export function idempotentTransaction<DB>(request: FastifyRequest): Transaction<DB> {
  const transaction = transactions.get(request);
  if (!transaction) throw new TypeError('idempotentTransaction: this route is not a transactional idempotent route');
  // Stored untyped per request; the caller names its tables, which live in the store the transaction came from.
  return transaction as unknown as Transaction<DB>;
}

function routeSetting(config: IdempotencyMode | IdempotencyRouteOptions | undefined): IdempotencyRouteOptions | null {
  if (config === undefined) return null;
  return typeof config === 'string' ? { mode: config } : config;
}

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
  const keys = new KeyStore(options.store.db);
  const claims = new WeakMap<FastifyRequest, HeldClaim>();

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
    const setting = routeSetting(request.routeOptions.config.idempotency);
    if (!setting) return;
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    let key: string | null = null;
    if (header === undefined) {
      if (setting.mode === 'required') {
        return refuse(reply, 400, 'Bad Request', 'this request requires an Idempotency-Key header');
      }
    } else {
      try {
        key = parseIdempotencyKey(Array.isArray(header) ? header.join(',') : header);
      } catch (error) {
        if (error instanceof InvalidIdempotencyKeyError) return refuse(reply, 400, 'Bad Request', error.message);
        throw error;
      }
    }
    if (key === null && !setting.transactional) return;

    const token = randomUUID();
    const id = key === null ? null : { scope: scopeOf(request), key };
    const transaction = setting.transactional ? await options.store.db.startTransaction().execute() : null;
    let result: ClaimResult;
    try {
      result =
        id === null
          ? { kind: 'claimed', token }
          : await acquireClaim(transaction ? new KeyStore(transaction) : keys, {
              id,
              fingerprint: requestFingerprint(request),
              token,
              now,
              ttlMs,
              lockTimeoutMs,
            });
    } catch (error) {
      await transaction?.rollback().execute();
      throw error;
    }
    if (result.kind === 'claimed') {
      claims.set(request, { id, token, transaction });
      if (transaction) transactions.set(request, transaction);
      return;
    }
    await transaction?.rollback().execute();
    switch (result.kind) {
      case 'replay':
        reply.code(result.status).headers({ ...result.headers, [REPLAYED_HEADER]: 'true' });
        return reply.send(result.body === null ? undefined : Buffer.from(result.body));
      case 'conflict':
        reply.header('retry-after', '1');
        return refuse(reply, 409, 'Conflict', 'a request with this Idempotency-Key is still being processed');
      case 'mismatch':
        return refuse(reply, 422, 'Unprocessable Entity', 'this Idempotency-Key was used for a different request');
    }
  };

  const storeResponse: onSendHookHandler = async function storeResponse(request, reply, payload) {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    transactions.delete(request);
    const body = payloadBytes(payload);
    const success = isStoredStatus(reply.statusCode);
    const store = claim.transaction ? new KeyStore(claim.transaction) : keys;
    const headers: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    try {
      if (claim.id !== null) {
        if (success && body !== undefined) {
          // Stored before the response leaves: whoever could have seen it finds the record on a retry.
          const stored = await store.complete(claim.id, claim.token, { status: reply.statusCode, headers, body });
          if (!stored) lostClaim(request, claim, 'its response was not stored');
        } else if (!(await store.release(claim.id, claim.token))) {
          lostClaim(request, claim, 'the new holder keeps the key');
        }
      }
      if (claim.transaction) {
        if (success) await claim.transaction.commit().execute();
        else await claim.transaction.rollback().execute();
      }
    } catch (error) {
      await claim.transaction?.rollback().execute();
      throw error;
    }
    return payload;
  };

  /** A request finished without holding its claim any more (taken over after the lock timeout): said once. */
  const lostClaim = (request: FastifyRequest, claim: HeldClaim, consequence: string) => {
    if (claim.transaction) throw new Error('idempotency: a transactional claim was lost inside its transaction');
    request.log.warn(
      { idempotencyKey: claim.id?.key },
      `idempotency: this request finished after its key was taken over by a retry; ${consequence}`,
    );
  };

  /** A request that ended without onSend (client gone, timeout) must not keep its transaction open. */
  const abandon = async (request: FastifyRequest) => {
    const claim = claims.get(request);
    if (!claim?.transaction) return;
    claims.delete(request);
    transactions.delete(request);
    await claim.transaction.rollback().execute();
  };

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.idempotency) return;
    // Appended, so the route's own preHandlers (requireUser) run first and the scope sees the signed-in user.
    route.preHandler = [...toArray(route.preHandler), checkKey];
    route.onSend = [...toArray(route.onSend), storeResponse];
    route.onResponse = [...toArray(route.onResponse), abandon];
    route.onRequestAbort = [...toArray(route.onRequestAbort), abandon];
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
 * `@outpost/store` (SQLite or Postgres). Mark a route with `config: { idempotency: 'required' }` (or `'optional'`),
 * or with `{ mode, transactional: true }` for the transactional form:
 * - the first request with a key claims it (the claim carries a random token) and runs; its 2xx/3xx response is
 *   stored before it is sent;
 * - a repeat (same key, method, URL and body) gets the stored status, body and content type, plus
 *   `Idempotent-Replayed: true`, without running the handler;
 * - a repeat while the first still runs gets 409 (`Retry-After: 1`); the key with a different request gets 422;
 * - no key on a `required` route gets 400, as does a malformed key;
 * - an error response (4xx/5xx) releases the key: the handler made no change, so a retry runs again;
 * - only the claim's holder completes or releases it: a request that finishes after a retry took its key over (past
 *   `lockTimeoutMs`) changes nothing, and this is logged;
 * - keys expire after `ttlMs` (default 24 h) and are swept hourly.
 * Keys are scoped per user (the accounts plugin's `request.user`) unless `scope` says otherwise.
 *
 * Transactional form: the handler makes its change through {@link idempotentTransaction}; the change and the stored
 * response commit in one transaction, so a crash leaves both or neither, and a retry finds the stored response or
 * runs afresh. Non-transactional form (for effects outside the database): the change and the stored response are
 * separate; a crash between them leaves the key `running` until `lockTimeoutMs`, after which a retry runs the
 * handler again.
 *
 * @example
 * ```ts
 * await app.register(idempotency, { store });
 * app.post('/api/mail', { preHandler: requireUser, config: { idempotency: { mode: 'required', transactional: true } } },
 *   async (request, reply) => {
 *     await idempotentTransaction<Tables>(request).insertInto('mail').values(row).execute();
 *     return reply.code(201).send({ id: row.id });
 *   });
 * ```
 */
export const idempotency = fp(idempotencyPlugin, { name: '@outpost/server/idempotency', fastify: '5.x' });
