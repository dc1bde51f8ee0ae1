import fastifyCookie from '@fastify/cookie';
import { migrate, type Store } from '@outpost/store';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ACCOUNT_HEADER, accountBindingRefusal } from './account-binding.js';
import { AccountStore } from './account-store.js';
import { type AttemptLimit, AttemptLimiter } from './attempt-limiter.js';
import { type AuthRoutesContext, authRoutes } from './auth-routes.js';
import { csrfRejection } from './csrf.js';
import { accountsMigrations } from './migrations.js';
import { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from './password-hash.js';
import { sessionCookieName, sessionKey } from './session-token.js';

/** Options of the {@link accounts} plugin. */
export interface AccountsOptions {
  store: Store;
  /**
   * Adds `Secure` to the session cookie and names it `__Host-outpost_session`; the CSRF check then expects an
   * `https` Origin. Turn on whenever the site is served over HTTPS. Default false.
   */
  secureCookies?: boolean;
  /** Session lifetime; a session used in the second half of its life is extended. Default 30 days. */
  sessionTtlSeconds?: number;
  /**
   * Attempts allowed per client IP on signup and signin (each route counted apart). Default 10 per minute; false
   * turns it off.
   */
  rateLimit?: AttemptLimit | false;
  /**
   * Failed sign-ins allowed per account name (whoever makes them, from any address) before that name is refused
   * with 429 until the window ends; a successful sign-in resets the count. Default 10 per 15 minutes; false turns
   * it off.
   */
  accountSignInLimit?: AttemptLimit | false;
  /** scrypt cost for new hashes; stored hashes with lower parameters are upgraded at the next sign-in. */
  scrypt?: ScryptParams;
  /** The clock in epoch milliseconds (tests move it to expire sessions). Default `Date.now`. */
  now?: () => number;
}

const DEFAULT_TTL_SECONDS = 30 * 24 * 60 * 60;
const DEFAULT_RATE_LIMIT: AttemptLimit = { max: 10, timeWindowMs: 60_000 };
const DEFAULT_ACCOUNT_SIGN_IN_LIMIT: AttemptLimit = { max: 10, timeWindowMs: 15 * 60_000 };

const accountsPlugin: FastifyPluginAsync<AccountsOptions> = async (fastify, options) => {
  const ttlSeconds = options.sessionTtlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new TypeError(`sessionTtlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  const secure = options.secureCookies ?? false;
  const accountLimit =
    options.accountSignInLimit === undefined ? DEFAULT_ACCOUNT_SIGN_IN_LIMIT : options.accountSignInLimit;
  const context: AuthRoutesContext = {
    accounts: new AccountStore(options.store),
    now: options.now ?? Date.now,
    ttlMs: ttlSeconds * 1000,
    cookieName: sessionCookieName(secure),
    cookieOptions: { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: ttlSeconds },
    scrypt: options.scrypt ?? DEFAULT_SCRYPT_PARAMS,
    rateLimit: options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit,
    signInFailures: accountLimit ? new AttemptLimiter(accountLimit) : null,
  };
  const { accounts, now, ttlMs, cookieName, cookieOptions } = context;
  // A `__Host-` cookie is only accepted (even to be cleared) with Secure and Path=/.
  const clearOptions = { path: '/', secure };

  await migrate(options.store, 'accounts', accountsMigrations);
  await accounts.sweepExpiredSessions(now());

  if (!fastify.hasRequestDecorator('cookies')) await fastify.register(fastifyCookie);
  fastify.decorateRequest('user', null);

  fastify.addHook('onRequest', async (request, reply) => {
    const refusal = csrfRejection({
      method: request.method,
      host: request.host,
      // Secure cookies travel only over https: behind a TLS-terminating proxy without trustProxy the socket says
      // http, yet the browser's Origin says https.
      protocol: secure ? 'https' : request.protocol,
      contentType: request.headers['content-type'],
      origin: request.headers.origin,
    });
    if (refusal) {
      reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: refusal });
      return reply;
    }

    const cookie = request.cookies[cookieName];
    if (cookie !== undefined) {
      const key = sessionKey(cookie);
      const session = key ? await accounts.findSession(key, now()) : null;
      if (!key || !session) {
        // Unknown, expired or malformed: tell the browser to stop sending it.
        reply.clearCookie(cookieName, clearOptions);
      } else {
        request.user = session.user;
        const at = now();
        if (session.expiresAt - at < ttlMs / 2) {
          // Sliding expiry: an active user is not signed out mid-use, an idle session still ends after one TTL.
          await accounts.extendSession(key, at + ttlMs);
          reply.setCookie(cookieName, cookie, cookieOptions);
        }
      }
    }

    const unbound = accountBindingRefusal(request.headers[ACCOUNT_HEADER], request.user);
    if (unbound) {
      reply.code(unbound.statusCode).send(unbound);
      return reply;
    }
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    // An answer made for one user must not be kept by a shared cache or the browser's HTTP cache, where the next
    // user of the device (or of a proxy) would get it. Routes that chose their own caching keep it.
    if (request.user && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  await fastify.register(authRoutes, context);
};

/**
 * Accounts for a Fastify 5 app: signup, signin, signout and me under `/api/auth/`, sessions in an HttpOnly
 * SameSite=Lax cookie, `request.user` on every request, a CSRF guard on every state-changing request, requests
 * bound to an account by the `Outpost-Account` header refused in any other session, and `Cache-Control: no-store`
 * on answers to signed-in requests. Migrates its tables (namespace `accounts`) on register.
 *
 * @example
 * ```ts
 * const store = await openStore({ url: './data/app.db' });
 * await app.register(accounts, { store, secureCookies: process.env.NODE_ENV === 'production' });
 * app.get('/api/notes', { preHandler: requireUser }, async (request) => ({ owner: request.user!.username }));
 * ```
 */
export const accounts = fp(accountsPlugin, { name: '@outpost/server/accounts', fastify: '5.x' });
