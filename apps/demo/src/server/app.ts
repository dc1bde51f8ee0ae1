import { accounts, requireUser } from '@outpost/server';
import type { Store } from '@outpost/store';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serveClient } from './client-files.js';
import { mailRoutes } from './mail/routes.js';
import { newsRoutes } from './news/routes.js';
import { addSecurityHeaders } from './security-headers.js';

/** Options for {@link buildDemoServer}. */
export interface DemoServerOptions {
  store: Store;
  /** The built browser app (index.html, sw.js, assets/). */
  clientDir: string;
  /** Mark the session cookie Secure. Turn on whenever the app is served over https. Default false. */
  secureCookies?: boolean;
  /** Publish a News article this often, in ms; 0 never. Default 5 minutes. */
  newsPublishEveryMs?: number;
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The reference app's server: accounts under /api/auth, a protected /api/profile, /api/health, Mail under
 * /api/mail (idempotent sending), News under /api/news (ETag, 304), and the built
 * client with the right caching and a strict Content-Security-Policy. Plugins load on `ready()`/`listen()`.
 *
 * @example
 * ```ts
 * const app = buildDemoServer({ store: await openStore({ url: './data/outpost.db' }), clientDir });
 * await app.listen({ port: 8080 });
 * ```
 */
export function buildDemoServer(options: DemoServerOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, trustProxy: false });
  addSecurityHeaders(app);

  app.register(accounts, { store: options.store, secureCookies: options.secureCookies ?? false });

  app.get('/api/health', async () => ({ status: 'ok', store: options.store.dialect }));
  app.get('/api/profile', { preHandler: requireUser }, async (request) => ({ user: request.user }));
  app.register(mailRoutes, { store: options.store });
  app.register(newsRoutes, { publishEveryMs: options.newsPublishEveryMs ?? 5 * 60_000 });

  serveClient(app, options.clientDir);
  return app;
}
