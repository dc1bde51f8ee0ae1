import type { CookieSerializeOptions } from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AccountStore, type SessionUser, usernameKey } from './account-store.js';
import type { AttemptLimit, AttemptLimiter } from './attempt-limiter.js';
import { hashPassword, needsRehash, type ScryptParams, verifyPassword } from './password-hash.js';
import { requireUser } from './require-user.js';
import { errorResponse, signinBody, signoutBody, signupBody, userResponse } from './schemas.js';
import { newSessionToken, sessionKey } from './session-token.js';

/** What the auth routes share with the plugin; built once per registration. */
export interface AuthRoutesContext {
  accounts: AccountStore;
  now: () => number;
  ttlMs: number;
  /** `outpost_session`, or `__Host-outpost_session` when cookies are Secure. */
  cookieName: string;
  cookieOptions: CookieSerializeOptions;
  scrypt: ScryptParams;
  rateLimit: AttemptLimit | false;
  /** Failed sign-ins per account name, or null when that limit is off. */
  signInFailures: AttemptLimiter | null;
}

interface Credentials {
  username: string;
  password: string;
}

const WRONG_CREDENTIALS = 'wrong username or password';

/**
 * The `/api/auth/*` routes, in their own encapsulated context so that their validator, JSON parser and rate limiter
 * do not change the rest of the app.
 */
export async function authRoutes(app: FastifyInstance, context: AuthRoutesContext): Promise<void> {
  const { accounts, now, ttlMs, cookieName, cookieOptions, scrypt, signInFailures } = context;

  // Who is signed in is per-user data whatever the answer: never cached.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  // Fastify's default Ajv strips unknown properties (removeAdditional); these routes reject them instead.
  const ajv = new Ajv({ removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  // Bodyless POSTs (signout) still carry Content-Type: application/json for the CSRF rule; read them as {}.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, {});
    else defaultJsonParser(request, text, done);
  });

  const limited = context.rateLimit
    ? { rateLimit: { max: context.rateLimit.max, timeWindow: context.rateLimit.timeWindowMs } }
    : {};
  if (context.rateLimit) await app.register(fastifyRateLimit, { global: false });

  // A real hash to verify against when the username is unknown, so that answer costs the same scrypt work.
  const decoyHash = hashPassword(newSessionToken(), scrypt);

  async function startSession(request: FastifyRequest, reply: FastifyReply, user: SessionUser): Promise<void> {
    // A new sign-in replaces the session the browser had (no fixation, no orphaned rows).
    const previous = sessionKey(request.cookies[cookieName]);
    if (previous) await accounts.deleteSession(previous);
    const token = newSessionToken();
    const key = sessionKey(token);
    if (key === null) throw new Error('newSessionToken minted a token that sessionKey refuses');
    const at = now();
    await accounts.createSession(key, user.id, at, at + ttlMs);
    reply.setCookie(cookieName, token, cookieOptions);
  }

  const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 409: errorResponse, 429: errorResponse };

  app.post<{ Body: Credentials }>(
    '/api/auth/signup',
    { schema: { body: signupBody, response: { 201: userResponse, ...errors } }, config: limited },
    async (request, reply) => {
      const { username, password } = request.body;
      const conflict = () =>
        reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `username ${username} is taken` });
      // Checked before hashing to spare the work; the insert below settles races between two signups.
      if (await accounts.usernameTaken(username)) return conflict();
      const user = await accounts.createUser(username, await hashPassword(password, scrypt), now());
      if (!user) return conflict();
      await startSession(request, reply, user);
      return reply.code(201).send({ user });
    },
  );

  app.post<{ Body: Credentials }>(
    '/api/auth/signin',
    { schema: { body: signinBody, response: { 200: userResponse, ...errors } }, config: limited },
    async (request, reply) => {
      const { username, password } = request.body;
      // Counted by the name typed, known or not, so the limit tells nothing about which names exist.
      const account = usernameKey(username);
      const waitMs = signInFailures?.retryAfterMs(account, now()) ?? 0;
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        reply.header('retry-after', String(seconds));
        return reply.code(429).send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `too many failed sign-ins for this account: try again in ${seconds} s`,
        });
      }
      const found = await accounts.findCredentials(username);
      const matches = await verifyPassword(password, found ? found.passwordHash : await decoyHash);
      if (!found || !matches) {
        signInFailures?.record(account, now());
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: WRONG_CREDENTIALS });
      }
      signInFailures?.reset(account);
      if (needsRehash(found.passwordHash, scrypt)) {
        await accounts.updatePasswordHash(found.id, await hashPassword(password, scrypt));
      }
      await accounts.sweepExpiredSessions(now());
      const user = { id: found.id, username: found.username };
      await startSession(request, reply, user);
      return { user };
    },
  );

  app.post('/api/auth/signout', { schema: { body: signoutBody } }, async (request, reply) => {
    const key = sessionKey(request.cookies[cookieName]);
    if (key) await accounts.deleteSession(key);
    reply.clearCookie(cookieName, { path: '/', secure: cookieOptions.secure });
    return reply.code(204).send();
  });

  app.get(
    '/api/auth/me',
    {
      schema: { response: { 200: userResponse, 401: errorResponse } },
      preHandler: requireUser,
    },
    async (request) => ({ user: request.user }),
  );
}
