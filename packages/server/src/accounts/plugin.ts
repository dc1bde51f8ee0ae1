import fastifyCookie from '@fastify/cookie';
import { migrate, type Store } from '@outpost/store';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { AccountStore } from './account-store.js';
import { type AuthRoutesContext, authRoutes } from './auth-routes.js';
import { csrfRejection } from './csrf.js';
import { accountsMigrations } from './migrations.js';
import { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './password-hash.js';
import { SESSION_COOKIE, sessionKey } from './session-token.js';

/** Options of the {@link accounts} plugin. */
export interface AccountsOptions {
  store: Store;
  /** Adds `Secure` to the session cookie; turn on whenever the site is served over HTTPS. Default false. */
  secureCookies?: boolean;
  /** Session lifetime; a session used in the second half of its life is extended. Default 30 days. */
  sessionTtlSeconds?: number;
  /** Attempts allowed per client IP on signup and signin (each route counted apart); false turns it off. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** scrypt cost for new hashes; stored hashes with lower parameters are upgraded at the next sign-in. */
  scrypt?: ScryptParams;
  /** The clock in epoch milliseconds (tests move it to expire sessions). Default `Date.now`. */
  now?: () => number;
}

const DEFAULT_TTL_SECONDS = 30 * 24 * 60 * 60;
const DEFAULT_RATE_LIMIT = { max: 10, timeWindowMs: 60_000 };

const accountsPlugin: FastifyPluginAsync<AccountsOptions> = async (fastify, options) => {
  const ttlSeconds = options.sessionTtlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new TypeError(`sessionTtlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  const context: AuthRoutesContext = {
    accounts: new AccountStore(options.store),
    now: options.now ?? Date.now,
    ttlMs: ttlSeconds * 1000,
    cookieOptions: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secureCookies ?? false,
      maxAge: ttlSeconds,
    },
    scrypt: options.scrypt ?? DEFAULT_SCRYPT_PARAMS,
    rateLimit: options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit,
  };
  const { accounts, now, ttlMs, cookieOptions } = context;

  await migrate(options.store, 'accounts', accountsMigrations);
  await accounts.sweepExpiredSessions(now());

  if (!fastify.hasRequestDecorator('cookies')) await fastify.register(fastifyCookie);
  fastify.decorateRequest('user', null);

  fastify.addHook('onRequest', async (request, reply) => {
    const refusal = csrfRejection({
      method: request.method,
      url: request.url,
      host: request.host,
      contentType: request.headers['content-type'],
      origin: request.headers.origin,
    });
    if (refusal) {
      reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: refusal });
      return reply;
    }

    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie === undefined) return;
    const key = sessionKey(cookie);
    const session = key ? await accounts.findSession(key, now()) : null;
    if (!key || !session) {
      // Unknown, expired or malformed: tell the browser to stop sending it.
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return;
    }
    request.user = session.user;
    const at = now();
    if (session.expiresAt - at < ttlMs / 2) {
      // Sliding expiry: an active user is not signed out mid-use, an idle session still ends after one TTL.
      await accounts.extendSession(key, at + ttlMs);
      reply.setCookie(SESSION_COOKIE, cookie, cookieOptions);
    }
  });

  await fastify.register(authRoutes, context);
};

/**
 * Accounts for a Fastify 5 app: signup, signin, signout and me under `/api/auth/`, sessions in an HttpOnly
 * SameSite=Lax cookie, `request.user` on every request, and a CSRF guard on every state-changing `/api/*` request.
 * Migrates its tables (namespace `accounts`) on register.
 *
 * @example
 * ```ts
 * const store = await openStore({ url: './data/app.db' });
 * await app.register(accounts, { store, secureCookies: process.env.NODE_ENV === 'production' });
 * app.get('/api/notes', { preHandler: requireUser }, async (request) => ({ owner: request.user!.username }));
 * ```
 */
export const accounts = fp(accountsPlugin, { name: '@outpost/server/accounts', fastify: '5.x' });
