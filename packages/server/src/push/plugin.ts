import { migrate, type Store } from '@outpost/store';
import {
  DEFAULT_TTL_SECONDS,
  decodeSubscriptionKeys,
  isValidVapidSubject,
  PushCryptoError,
  PushHttpClient,
  type PushHttpClientOptions,
  type Urgency,
  type VapidKeys,
} from '@outpost/webpush';
import { Ajv } from 'ajv';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { requireUser } from '../accounts/require-user.js';
import { type DeclarativePush, encodeDeclarativePush, InvalidPushMessageError } from './declarative.js';
import { DEFAULT_PUSH_SERVICE_ORIGINS, endpointRefusal, parseAllowlist } from './endpoint-allowlist.js';
import { JobStore } from './job-store.js';
import { PushMetrics } from './metrics.js';
import { pushMigrations } from './migrations.js';
import { NotifyBatcher } from './notify-batcher.js';
import { type QueueRetryPolicy, resolveQueueRetryPolicy } from './outcome.js';
import { deleteSubscriptionBody, keyResponse, postSubscriptionBody } from './schemas.js';
import { type StoredSubscription, SubscriptionStore } from './subscription-store.js';
import type { PushTables } from './tables.js';
import { storedVapidKeys } from './vapid-store.js';
import { PushWorker } from './worker.js';

/** The app server's VAPID identity: keys as base64url (`generateVapidKeys()`), and a `mailto:`/`https:` contact. */
export interface PushVapidOptions extends VapidKeys {
  subject: string;
}

/** Options of the {@link push} plugin. */
export interface PushOptions {
  store: Store;
  /** VAPID keys and contact. Without them a key pair is made once and kept in the store (table `push_vapid`). */
  vapid?: PushVapidOptions;
  /** The VAPID contact when `vapid` is not given. Default `mailto:webpush@localhost`; set a real one in production. */
  subject?: string;
  /**
   * Push-service origins allowed besides the big browsers' ({@link DEFAULT_PUSH_SERVICE_ORIGINS}), e.g. the embedded
   * push service `'http://127.0.0.1:8081'`. An exact origin may be http; `https://*.example.net` matches subdomains.
   */
  allowedOrigins?: string[];
  /** Drain the queue in this process. Default true (on Postgres any number of processes may drain one queue). */
  worker?: boolean;
  /** Sends in flight per process. Default 100. */
  concurrency?: number;
  /** How long a worker holds a claimed job; a job whose worker died is sent again after it. Default 60 s. */
  leaseMs?: number;
  /** Per-attempt timeout of a send. Default 15 s; keep it well under `leaseMs`. */
  timeoutMs?: number;
  /** How often an idle worker looks for due jobs (a `notify` in this process wakes it at once). Default 1 s. */
  pollIntervalMs?: number;
  /** How failed sends are retried and when a job is dead-lettered. */
  retry?: QueueRetryPolicy;
  /** Connection pool options of the sender, e.g. `{ ca }` for a push service with a private certificate. */
  http?: PushHttpClientOptions;
  /** Where Prometheus scrapes the metrics; false registers no route (the registry is on `fastify.push.metrics`). */
  metricsPath?: string | false;
  /** The clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Per-notification Web Push options (RFC 8030): lifetime at the push service, urgency, and a collapsing topic. */
export interface NotifyOptions {
  /** Seconds the message may wait (in our queue and at the push service) before it is dropped. Default 4 weeks. */
  ttl?: number;
  urgency?: Urgency;
  /** Replaces an undelivered message with the same topic at the push service: 1 to 32 base64url characters. */
  topic?: string;
}

/** The `fastify.push` decorator. */
export interface PushApi {
  /** The VAPID public key (base64url, uncompressed P-256): the page's `applicationServerKey`. */
  readonly publicKey: string;
  /**
   * Queues `message` for every subscription of `accountIds` and returns how many jobs were queued. Pass the app's
   * Kysely transaction as `trx` and the jobs commit (or roll back) with the app's own change.
   *
   * @throws InvalidPushMessageError for a message that is not valid Declarative Web Push, is over 3,000 bytes
   * encoded, or for bad options.
   */
  notify<DB>(
    accountIds: readonly string[],
    message: DeclarativePush,
    options?: NotifyOptions,
    trx?: Kysely<DB>,
  ): Promise<number>;
  /** Sends every job due now in this process and resolves when none is left (tests, scripts). */
  drain(): Promise<void>;
  /** The subscriptions stored for an account. */
  subscriptions(accountId: string): Promise<StoredSubscription[]>;
  /** The plugin's Prometheus registry. */
  readonly metrics: Registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Web Push for the app: the queue and the VAPID key. Set by the push plugin. */
    push: PushApi;
  }
}

const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);
const DEFAULT_SUBJECT = 'mailto:webpush@localhost';
/** When a worker looks again after a `notify` inside a transaction (whose commit it cannot see coming). */
const TRANSACTION_WAKES_MS = [10, 50, 250];

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function checkNotifyOptions(options: NotifyOptions): { ttl: number; urgency: string | null; topic: string | null } {
  const ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > DEFAULT_TTL_SECONDS) {
    throw new InvalidPushMessageError(
      `options.ttl must be an integer from 1 to ${DEFAULT_TTL_SECONDS} seconds`,
      'options.ttl',
    );
  }
  if (options.urgency !== undefined && !URGENCIES.has(options.urgency)) {
    throw new InvalidPushMessageError('options.urgency must be very-low, low, normal or high', 'options.urgency');
  }
  if (options.topic !== undefined && !TOPIC.test(options.topic)) {
    throw new InvalidPushMessageError('options.topic must be 1 to 32 base64url characters', 'options.topic');
  }
  return { ttl, urgency: options.urgency ?? null, topic: options.topic ?? null };
}

const pushPlugin: FastifyPluginAsync<PushOptions> = async (fastify, options) => {
  const now = options.now ?? Date.now;
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 100);
  const leaseMs = positiveInteger('leaseMs', options.leaseMs ?? 60_000);
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? 15_000);
  const pollMs = positiveInteger('pollIntervalMs', options.pollIntervalMs ?? 1000);
  const retry = resolveQueueRetryPolicy(options.retry);
  const rules = parseAllowlist([...DEFAULT_PUSH_SERVICE_ORIGINS, ...(options.allowedOrigins ?? [])]);
  const subject = options.vapid?.subject ?? options.subject ?? DEFAULT_SUBJECT;
  if (!isValidVapidSubject(subject))
    throw new TypeError(`VAPID subject must be a mailto: address or an https: URL, got ${subject}`);

  await migrate(options.store, 'push', pushMigrations);
  const keys = options.vapid
    ? { publicKey: options.vapid.publicKey, privateKey: options.vapid.privateKey }
    : await storedVapidKeys(options.store, now());
  const subscriptions = new SubscriptionStore(options.store);
  const jobs = new JobStore(options.store);
  const metrics = new PushMetrics(() => jobs.depth(), now);
  const client = new PushHttpClient(options.http);
  const worker = new PushWorker({
    jobs,
    subscriptions,
    metrics,
    client,
    vapid: { keys, subject },
    retry,
    concurrency,
    leaseMs,
    timeoutMs,
    now,
    log: fastify.log,
  });
  // Calls outside a transaction share statements: on Postgres round trips and commits, on SQLite commits (most of
  // an INSERT's cost, on the thread that also encrypts); on both, the worker's claims.
  const batcher = new NotifyBatcher(jobs, worker, leaseMs, options.store.dialect === 'postgres' ? 2 : 1);

  const api: PushApi = {
    publicKey: keys.publicKey,
    metrics: metrics.registry,
    async notify(accountIds, message, notifyOptions = {}, trx) {
      const payload = encodeDeclarativePush(message);
      const { ttl, urgency, topic } = checkNotifyOptions(notifyOptions);
      const job = { payload, ttlSeconds: ttl, urgency, topic };
      // In the app's transaction the jobs are its statements; outside one, concurrent calls share a statement.
      // The app's transaction is typed with the app's tables; the push tables live in the same database (the
      // plugin migrated them there), which Kysely's types cannot know, hence the one cast.
      if (!trx) return batcher.enqueue(accountIds, job, now());
      const queued = await jobs.enqueue(trx as unknown as Kysely<PushTables>, accountIds, job, now());
      // The batcher hands its jobs to the worker itself, and wakes it for those it could not take; jobs queued in
      // the app's transaction are the worker's to claim.
      if (queued > 0) {
        worker.wake();
        // Inside a transaction the jobs are invisible until the caller commits: look again shortly after.
        for (const ms of TRANSACTION_WAKES_MS) setTimeout(() => worker.wake(), ms).unref();
      }
      return queued;
    },
    drain: () => worker.drain(),
    subscriptions: (accountId) => subscriptions.forAccount(accountId),
  };
  fastify.decorate('push', api);

  // The routes live in a child context so that their validator (which refuses unknown fields instead of Fastify's
  // default of stripping them) does not leak into the app's own routes.
  await fastify.register(async (routes) => {
    const ajv = new Ajv({ removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: false });
    routes.setValidatorCompiler(({ schema }) => ajv.compile(schema));

    routes.get('/api/push/key', { schema: { response: { 200: keyResponse } } }, async () => ({
      publicKey: keys.publicKey,
    }));

    routes.post(
      '/api/push/subscriptions',
      { preHandler: requireUser, schema: { body: postSubscriptionBody } },
      async (request, reply) => {
        const body = request.body as {
          endpoint: string;
          keys: { p256dh: string; auth: string };
          expirationTime?: number | null;
          oldEndpoint?: string;
        };
        const refusal = endpointRefusal(body.endpoint, rules);
        if (refusal) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: refusal });
        try {
          decodeSubscriptionKeys(body.keys);
        } catch (error) {
          if (!(error instanceof PushCryptoError)) throw error;
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: error.message });
        }
        const user = request.user;
        if (!user) return reply; // requireUser answered already
        const saved = await subscriptions.save(user.id, body, body.oldEndpoint, now());
        return reply.code(saved.created ? 201 : 200).send({ endpoint: body.endpoint });
      },
    );

    routes.delete('/api/push/subscriptions', { schema: { body: deleteSubscriptionBody } }, async (request, reply) => {
      const { endpoint } = request.body as { endpoint: string };
      await subscriptions.removeEndpoint(endpoint);
      return reply.code(204).send();
    });
  });

  if (options.metricsPath !== false) {
    const registry = metrics.registry;
    fastify.get(options.metricsPath ?? '/metrics', async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  }

  if (options.worker ?? true) worker.start(pollMs);
  fastify.addHook('onClose', async () => {
    await batcher.idle();
    await worker.stop();
    await client.close();
  });
};

/**
 * Web Push for a Fastify 5 app (needs the {@link accounts} plugin): the VAPID key, the subscription routes
 * (`GET /api/push/key`, `POST`/`DELETE /api/push/subscriptions`) with an SSRF guard on endpoints, a durable queue
 * of notifications in the store drained by in-process workers, and Prometheus metrics. See docs/push.md.
 *
 * @example
 * ```ts
 * await app.register(accounts, { store });
 * await app.register(push, { store, allowedOrigins: ['http://127.0.0.1:8081'] });
 * await app.push.notify([bob.id], {
 *   web_push: 8030,
 *   notification: { title: 'Alice', body: 'Lunch?', navigate: '/chat/alice', tag: 'chat:alice' },
 *   app_badge: 1,
 * });
 * ```
 */
export const push = fp(pushPlugin, {
  name: '@outpost/server/push',
  fastify: '5.x',
  dependencies: ['@outpost/server/accounts'],
});
