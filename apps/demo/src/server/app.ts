import { type AttemptLimit, accounts, push, requireUser } from '@outpost/server';
import type { Store } from '@outpost/store';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { chatRoutes } from './chat/routes.js';
import { serveClient } from './client-files.js';
import { mailRoutes } from './mail/routes.js';
import { musicRoutes } from './music/routes.js';
import { newsRoutes } from './news/routes.js';
import { addSecurityHeaders } from './security-headers.js';

/** Options for {@link buildDemoServer}. */
export interface DemoServerOptions {
  store: Store;
  /** The built browser app (index.html, sw.js, assets/). */
  clientDir: string;
  /** Mark the session cookie Secure. Turn on whenever the app is served over https. Default false. */
  secureCookies?: boolean;
  /**
   * Push-service origins the app server may send to besides the big browsers' (e.g. the embedded push service,
   * `http://127.0.0.1:8090`). Subscriptions elsewhere are refused with 400.
   */
  pushServiceOrigins?: string[];
  /** Drain the push queue in this process. Default true. */
  pushWorker?: boolean;
  /** Publish a News article this often, in ms; 0 never. Default 5 minutes. */
  newsPublishEveryMs?: number;
  /**
   * Where Music keeps its generated audio (WAV files made on first start). Default: none, the audio is
   * generated into memory at every start.
   */
  musicDir?: string;
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger'];
  /** Mails each account may send per window. Default 30 per minute. */
  mailSendLimit?: AttemptLimit;
  /** How long a client may take over a request or leave its connection idle. Defaults: {@link DEFAULT_TIMEOUTS}. */
  timeouts?: Partial<ServerTimeouts>;
}

/**
 * The app server's limits on slow or idle clients (slowloris): past them the connection is closed (408 for a
 * request cut off), so half-open requests cannot pile up.
 */
export interface ServerTimeouts {
  /** All request headers must have arrived within this long of the request's start (Node `headersTimeout`). */
  headersMs: number;
  /** The whole request, body included, must have arrived within this long (Node `requestTimeout`). */
  requestMs: number;
  /** A connection with no bytes in either direction for this long is closed (Fastify `connectionTimeout`). */
  idleMs: number;
  /** A kept-alive connection waits this long for its next request (Node `keepAliveTimeout`). */
  keepAliveMs: number;
  /** How often Node checks open requests against `headersMs` and `requestMs` (`connectionsCheckingInterval`). */
  checkIntervalMs: number;
}

/** The demo's defaults: generous for a phone on a bad network, far below what a slowloris needs. */
export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
  keepAliveMs: 10_000,
  checkIntervalMs: 1_000,
};

/**
 * The reference app's server: accounts under /api/auth, a protected /api/profile, /api/health, Mail under
 * /api/mail (idempotent, rate-limited sending), Web Push under /api/push, Chat under /api/chat, News under
 * /api/news (ETag, 304), Music under /api/music (audio with byte ranges), request and connection timeouts against slow clients, and the built
 * client with the right caching and a strict Content-Security-Policy. Plugins load on `ready()`/`listen()`.
 *
 * @example
 * ```ts
 * const app = buildDemoServer({ store: await openStore({ url: './data/outpost.db' }), clientDir });
 * await app.listen({ port: 8080 });
 * ```
 */
export function buildDemoServer(options: DemoServerOptions): FastifyInstance {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: false,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
  });
  addSecurityHeaders(app);

  app.register(accounts, { store: options.store, secureCookies: options.secureCookies ?? false });

  app.get('/api/health', async () => ({ status: 'ok', store: options.store.dialect }));
  app.get('/api/profile', { preHandler: requireUser }, async (request) => ({ user: request.user }));
  app.register(mailRoutes, {
    store: options.store,
    ...(options.mailSendLimit ? { sendLimit: options.mailSendLimit } : {}),
  });
  app.register(push, {
    store: options.store,
    allowedOrigins: options.pushServiceOrigins ?? [],
    worker: options.pushWorker ?? true,
  });
  app.register(chatRoutes, { store: options.store });
  app.register(newsRoutes, { publishEveryMs: options.newsPublishEveryMs ?? 5 * 60_000 });
  app.register(musicRoutes, options.musicDir ? { dir: options.musicDir } : {});

  serveClient(app, options.clientDir);
  return app;
}
