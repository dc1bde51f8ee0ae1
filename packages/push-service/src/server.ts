import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { openStore, type Store } from '@outpost/store';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { type DestinationStream, type Logger, pino } from 'pino';
import { LocalRouter, type NodeRouter } from './cluster/node-router.js';
import { PostgresRouter } from './cluster/postgres-router.js';
import { PushCore } from './delivery/push-core.js';
import { EndpointKeyring } from './endpoint-token.js';
import { type RateLimit, RateLimiter } from './http/rate-limiter.js';
import { registerRoutes } from './http/routes.js';
import { VapidGate } from './http/vapid-gate.js';
import {
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpTimeouts,
} from './limits.js';
import { PushStore } from './store/push-store.js';
import { attachWebSocketGateway, type WebSocketGateway } from './websocket.js';

/** Options of {@link createPushService}. */
export interface PushServiceOptions {
  /** SQLite file path (default `./data/push-service.db`), `':memory:'`, or `postgres://…` for several nodes. */
  db?: string;
  /** Postgres only: schema for the tables (all nodes of one cluster must use the same). */
  schema?: string;
  /**
   * Endpoint secrets (>= 16 bytes each). The first seals new endpoints; the others still open old ones (rotation).
   */
  secrets: ReadonlyArray<string | Uint8Array>;
  host?: string;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  /** The origin application servers reach this service at (VAPID `aud`, endpoint URLs). Default `http://host:port`. */
  publicUrl?: string;
  /** Highest TTL honoured, in seconds; higher ones are lowered (and the answer says so). Default 30 days. */
  maxTtl?: number;
  /** Undelivered messages kept per user agent. Default 100. */
  storageLimit?: number;
  /** Per-subscription rate. Default 100/s, bursts of 200. */
  rateLimit?: RateLimit;
  /** How often expired messages are swept. Default 60 s. */
  sweepIntervalMs?: number;
  /**
   * SQLite only. `full` (default): a 201 is sent once the WAL is fsynced, so it also survives power loss (the
   * fsync runs off the event loop, once per group commit). `normal`: once the commit reached the OS, which
   * survives a process crash (kill -9) but may lose the last commits on power loss.
   */
  durability?: 'full' | 'normal';
  /** Largest WebSocket frame accepted from a user agent. Default 64 KiB. */
  maxFrameBytes?: number;
  /** Close-frame grace on shutdown before sockets are cut. Default 500 ms. */
  shutdownGraceMs?: number;
  /** Node ID (hex) for clustering; random by default. */
  nodeId?: string;
  /** Limits on user-agent connections (hello timeout, pings, per-address cap, buffers, channels, registers). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** Timeouts of HTTP requests and connections (slowloris). */
  httpTimeouts?: Partial<HttpTimeouts>;
  logger?: Logger;
}

/** A running (or ready to run) push service. */
export interface PushService {
  /** Binds the port and starts serving. Resolves with the URLs. */
  listen(): Promise<{ url: string; wsUrl: string }>;
  /** Graceful shutdown: stops accepting, finishes accepted requests, sends close frames, then cuts sockets. */
  close(): Promise<void>;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** `ws://host:port/` once listening: the value for Firefox's `dom.push.serverURL`. */
  readonly wsUrl: string;
  /** The node's shared state (connections, events, storage), for tests and embedding. */
  readonly core: PushCore;
}

/**
 * Creates a push service: the RFC 8030 HTTP API and the Mozilla WebPush WebSocket protocol on one port, over SQLite
 * or Postgres.
 *
 * @example
 * const service = await createPushService({ secrets: [secret], port: 8090 });
 * const { wsUrl } = await service.listen(); // Firefox: dom.push.serverURL = wsUrl
 */
export async function createPushService(options: PushServiceOptions): Promise<PushService> {
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? pushServiceLogger();
  checkOptions(options);
  const keyring = EndpointKeyring.fromSecrets(options.secrets);
  const dbUrl = options.db ?? './data/push-service.db';
  const store: Store = await openStore({ url: dbUrl, schema: options.schema });
  const pushStore = new PushStore(store);
  try {
    await pushStore.migrate();
    const file = store.dialect === 'sqlite' && dbUrl !== ':memory:' ? resolve(dbUrl) : undefined;
    await pushStore.setSqliteDurability(options.durability ?? 'full', file);
  } catch (error) {
    await store.close();
    throw error;
  }
  const nodeId = options.nodeId ?? randomBytes(8).toString('hex');
  const router: NodeRouter =
    store.dialect === 'postgres' ? new PostgresRouter(nodeId, dbUrl, store.db, log) : new LocalRouter(nodeId);

  // Fastify's own "listening" lines and request logs (info) stay quiet: the first log line is ours, with both URLs,
  // and request URLs, which carry endpoint tokens, are never logged whole.
  // Restricted endpoint tokens are 126 characters, over Fastify's default 100 for a path parameter.
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits };
  const timeouts: HttpTimeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts };
  // Node checks request and header deadlines on an interval (30 s by default, which would let a slow client
  // stay that much longer than its deadline).
  const checkEvery = Math.max(100, Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs) / 4);
  const app = Fastify({
    loggerInstance: log.child({}, { level: 'warn' }) as FastifyBaseLogger,
    routerOptions: { maxParamLength: 256 },
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    connectionTimeout: timeouts.idleTimeoutMs,
    http: { headersTimeout: timeouts.headersTimeoutMs, connectionsCheckingInterval: checkEvery },
  });
  let publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? '';
  let url = '';
  let wsUrl = '';
  // The public URL is set once the port is bound (port 0 picks one).
  const core = new PushCore(pushStore, router, keyring, '', log, options.storageLimit ?? 100, limits);
  const limiter = new RateLimiter(options.rateLimit ?? { perSecond: 100, burst: 200 });
  // The VAPID audience is this service's public origin, known once the port is bound.
  const vapid = new VapidGate(() => new URL(core.publicUrl).origin);
  registerRoutes(app, {
    core,
    vapid,
    limiter,
    maxTtl: options.maxTtl ?? 30 * 24 * 3600,
    storageRetryAfter: 60,
    sockets: () => ({ open: gateway?.size ?? 0, closed: gateway?.stats ?? {} }),
  });
  let gateway: WebSocketGateway | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  return {
    get url() {
      return url;
    },
    get wsUrl() {
      return wsUrl;
    },
    core,
    async listen() {
      await router.start(
        (hint) => core.onHint(hint),
        () => core.resync(),
      );
      gateway = attachWebSocketGateway(app.server, core, log, options.maxFrameBytes ?? 64 * 1024, limits);
      await app.listen({ host, port: options.port ?? 8090 });
      const address = app.server.address() as AddressInfo;
      const hostPart = host.includes(':') ? `[${host}]` : host;
      url = `http://${hostPart}:${address.port}`;
      wsUrl = `ws://${hostPart}:${address.port}/`;
      publicUrl ||= url;
      core.publicUrl = publicUrl;
      const sweepEvery = options.sweepIntervalMs ?? 60_000;
      sweeper = setInterval(() => {
        limiter.prune();
        pushStore.sweepExpired(Date.now()).then(
          (n) => n > 0 && log.debug({ swept: n }, 'expired messages swept'),
          (error) => log.warn({ err: error }, 'sweeping expired messages failed'),
        );
      }, sweepEvery).unref();
      log.info({ http: url, websocket: wsUrl, publicUrl, node: nodeId, db: redactDb(dbUrl) }, 'push service listening');
      return { url, wsUrl };
    },
    close() {
      closing ??= (async () => {
        if (sweeper) clearInterval(sweeper);
        // In-flight POSTs finish (each waits for its commit) while user agents get their close frames.
        await Promise.all([app.close(), gateway?.close(options.shutdownGraceMs ?? 500)]);
        await core.settled();
        await router.close();
        await pushStore.close();
        await store.close();
        log.info('push service stopped');
      })();
      return closing;
    },
  };
}

/**
 * The service's pino JSON logger, writing to `destination` (stdout by default), for hosts that pass `logger`.
 *
 * @example
 * createPushService({ secrets, logger: pushServiceLogger(process.stderr) })
 */
export function pushServiceLogger(destination?: DestinationStream): Logger {
  return destination ? pino({ name: 'push-service' }, destination) : pino({ name: 'push-service' });
}

/** Refuses options that would only fail later, at the first request. */
function checkOptions(options: PushServiceOptions): void {
  if (options.publicUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(options.publicUrl).protocol;
    } catch {
      // Reported below.
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new Error(`publicUrl must be an http(s) URL, got ${JSON.stringify(options.publicUrl)}`);
    }
  }
  for (const name of ['maxTtl', 'storageLimit', 'sweepIntervalMs', 'maxFrameBytes'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new Error(`${name} must be a positive integer, got ${value}`);
    }
  }
  const rate = options.rateLimit;
  if (rate && !(rate.perSecond > 0 && rate.burst >= 1)) {
    throw new Error('rateLimit needs perSecond > 0 and burst >= 1');
  }
  const { registerRate, ...connectionLimits } = options.connectionLimits ?? {};
  if (registerRate && !(registerRate.perSecond > 0 && registerRate.burst >= 1)) {
    throw new Error('connectionLimits.registerRate needs perSecond > 0 and burst >= 1');
  }
  for (const [name, value] of [...Object.entries(connectionLimits), ...Object.entries(options.httpTimeouts ?? {})]) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new Error(`${name} must be a positive integer, got ${value}`);
    }
  }
}

function redactDb(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
