import { createHash } from 'node:crypto';
import { type AccountsOptions, accounts, requireUser, type ScryptParams } from '@outpost/server';
import type { Store } from '@outpost/store';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { defined } from './defined.js';

/** The cheapest parameters the hash format accepts: these tests exercise the flow, not the cost. */
const FAST_SCRYPT: ScryptParams = { logN: 10, r: 8, p: 1 };
const JSON_HEADERS = { 'content-type': 'application/json' };
const DAY_MS = 24 * 60 * 60 * 1000;

interface Harness {
  app: FastifyInstance;
  clock: { ms: number };
}

function sessionCookieOf(response: LightMyRequestResponse) {
  return response.cookies.find((cookie) => cookie.name === 'outpost_session');
}

describeEachStore('accounts plugin', (getStore) => {
  let current: FastifyInstance | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  async function start(options: Partial<AccountsOptions> = {}, store: Store = getStore()): Promise<Harness> {
    const clock = { ms: Date.UTC(2030, 0, 1) };
    const app = Fastify();
    await app.register(accounts, { store, scrypt: FAST_SCRYPT, rateLimit: false, now: () => clock.ms, ...options });
    app.get('/api/private', { preHandler: requireUser }, async (request) => ({ hello: request.user?.username }));
    app.post('/api/notes', { preHandler: requireUser }, async () => ({ saved: true }));
    app.post('/form', async () => ({ reached: true }));
    await app.ready();
    await current?.close();
    current = app;
    return { app, clock };
  }

  const post = (app: FastifyInstance, url: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { ...JSON_HEADERS, ...headers }, payload: JSON.stringify(body) });

  const signup = (app: FastifyInstance, username = 'alice', password = 'correct horse') =>
    post(app, '/api/auth/signup', { username, password });

  const me = (app: FastifyInstance, token?: string) =>
    app.inject({ method: 'GET', url: '/api/auth/me', ...(token ? { cookies: { outpost_session: token } } : {}) });

  it('signs up: 201 with the user and an HttpOnly SameSite=Lax session cookie', async () => {
    const { app } = await start();
    const response = await signup(app, 'Alice_01');
    expect(response.statusCode).toBe(201);
    const { user } = response.json();
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'Alice_01' });
    const cookie = sessionCookieOf(response);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 30 * 24 * 60 * 60 });
    expect(cookie?.secure).toBeUndefined();
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await me(app, cookie?.value)).json()).toEqual({ user });
  });

  it('marks the cookie Secure with secureCookies and uses the configured lifetime', async () => {
    const { app } = await start({ secureCookies: true, sessionTtlSeconds: 3600 });
    const cookie = (await signup(app)).cookies.find((c) => c.name === '__Host-outpost_session');
    expect(cookie).toMatchObject({ secure: true, maxAge: 3600 });
  });

  it('signs in case-insensitively, and me answers with and without the cookie', async () => {
    const { app } = await start();
    const { user } = (await signup(app, 'Alice')).json();
    const response = await post(app, '/api/auth/signin', { username: 'aLiCe', password: 'correct horse' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user });
    const token = sessionCookieOf(response)?.value;
    expect((await me(app, token)).json()).toEqual({ user });
    expect(
      (await app.inject({ url: '/api/private', cookies: { outpost_session: defined(token, 'session token') } })).json(),
    ).toEqual({
      hello: 'Alice',
    });
    const anonymous = await me(app);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'sign in required' });
    expect((await app.inject({ url: '/api/private' })).statusCode).toBe(401);
  });

  it('refuses a wrong password and an unknown user with the same 401', async () => {
    const { app } = await start();
    await signup(app);
    const wrong = await post(app, '/api/auth/signin', { username: 'alice', password: 'wrong horse' });
    const unknown = await post(app, '/api/auth/signin', { username: 'bob', password: 'correct horse' });
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'wrong username or password',
      });
      expect(sessionCookieOf(response)).toBeUndefined();
    }
  });

  it('answers 409 for a taken name, whatever its case, also when two signups race', async () => {
    const { app } = await start();
    expect((await signup(app, 'alice')).statusCode).toBe(201);
    const taken = await signup(app, 'ALICE', 'another password');
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({ statusCode: 409, error: 'Conflict', message: 'username ALICE is taken' });
    const racing = await Promise.all([signup(app, 'carol'), signup(app, 'Carol'), signup(app, 'CAROL')]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
  });

  it.each([
    [{ username: 'al', password: 'long enough' }, 'body/username must NOT have fewer than 3 characters'],
    [{ username: 'a'.repeat(33), password: 'long enough' }, 'body/username must NOT have more than 32 characters'],
    [{ username: 'al ice', password: 'long enough' }, 'body/username must match pattern'],
    [{ username: 'ålice', password: 'long enough' }, 'body/username must match pattern'],
    [{ username: 'alice', password: 'short' }, 'body/password must NOT have fewer than 8 characters'],
    [{ username: 'alice', password: 'x'.repeat(257) }, 'body/password must NOT have more than 256 characters'],
    [{ username: 'alice' }, "body must have required property 'password'"],
    [{ username: 'alice', password: 'long enough', admin: true }, 'body must NOT have additional properties'],
    [{ username: 42, password: 'long enough' }, 'body/username must be string'],
    [['alice', 'long enough'], 'body must be object'],
  ])('rejects the signup body %j with 400', async (body, message) => {
    const { app } = await start();
    const response = await post(app, '/api/auth/signup', body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.json().message).toContain(message);
  });

  it('rejects malformed JSON and extra signin fields with 400', async () => {
    const { app } = await start();
    const broken = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: JSON_HEADERS, payload: '{"u' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const extra = await post(app, '/api/auth/signin', { username: 'a', password: 'b', remember: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toBe('body must NOT have additional properties');
  });

  it('signs out: 204, cookie cleared, session deleted server-side, so the old cookie gets 401', async () => {
    const { app } = await start();
    const token = defined(sessionCookieOf(await signup(app)), 'session cookie').value;
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/signout',
      headers: JSON_HEADERS,
      cookies: { outpost_session: token },
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    const cleared = sessionCookieOf(response);
    expect(cleared?.value).toBe('');
    const expires = defined(defined(cleared, 'cleared cookie').expires, 'cookie expiry');
    expect(new Date(expires).getTime()).toBeLessThan(Date.now());
    expect((await me(app, token)).statusCode).toBe(401);
    const rows = await getStore().db.selectFrom('accounts_sessions').selectAll().execute();
    expect(rows).toEqual([]);
    const again = await post(app, '/api/auth/signout', {});
    expect(again.statusCode).toBe(204);
  });

  it('stores only the SHA-256 of the token, with its expiry', async () => {
    const { app, clock } = await start();
    const token = defined(sessionCookieOf(await signup(app)), 'session cookie').value;
    const rows = await getStore().db.selectFrom('accounts_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    const expected = createHash('sha256').update(Buffer.from(token, 'base64url')).digest('hex');
    expect(rows[0]).toMatchObject({ token_hash: expected, expires_at: clock.ms + 30 * DAY_MS });
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('refuses an expired session, clears the cookie, and sweeps expired rows at the next sign-in', async () => {
    const { app, clock } = await start({ sessionTtlSeconds: 60 * 60 });
    const token = defined(sessionCookieOf(await signup(app, 'alice')), 'session cookie').value;
    await signup(app, 'bob');
    clock.ms += 60 * 60 * 1000;
    const expired = await me(app, token);
    expect(expired.statusCode).toBe(401);
    expect(sessionCookieOf(expired)?.value).toBe('');
    expect(await getStore().db.selectFrom('accounts_sessions').select('user_id').execute()).toHaveLength(2);
    await post(app, '/api/auth/signin', { username: 'bob', password: 'correct horse' });
    expect(await getStore().db.selectFrom('accounts_sessions').select('user_id').execute()).toHaveLength(1);
  });

  it('extends a session used in the second half of its life', async () => {
    const { app, clock } = await start({ sessionTtlSeconds: 100 });
    const token = defined(sessionCookieOf(await signup(app)), 'session cookie').value;
    clock.ms += 40_000;
    expect(sessionCookieOf(await me(app, token))).toBeUndefined();
    clock.ms += 20_000;
    const refreshed = await me(app, token);
    expect(refreshed.statusCode).toBe(200);
    expect(sessionCookieOf(refreshed)).toMatchObject({ value: token, maxAge: 100 });
    clock.ms += 90_000;
    expect((await me(app, token)).statusCode).toBe(200);
    clock.ms += 100_000;
    expect((await me(app, token)).statusCode).toBe(401);
  });

  it('treats a malformed or unknown cookie as signed out', async () => {
    const { app } = await start();
    for (const value of ['garbage', 'A'.repeat(43), '']) {
      const response = await app.inject({ url: '/api/auth/me', cookies: { outpost_session: value } });
      expect(response.statusCode).toBe(401);
    }
  });

  it('replaces the previous session on a new sign-in', async () => {
    const { app } = await start();
    const first = defined(sessionCookieOf(await signup(app)), 'session cookie').value;
    const second = await app.inject({
      method: 'POST',
      url: '/api/auth/signin',
      headers: JSON_HEADERS,
      cookies: { outpost_session: first },
      payload: JSON.stringify({ username: 'alice', password: 'correct horse' }),
    });
    expect(second.statusCode).toBe(200);
    expect((await me(app, first)).statusCode).toBe(401);
    expect((await me(app, defined(sessionCookieOf(second), 'session cookie').value)).statusCode).toBe(200);
  });

  it('upgrades a hash made with weaker scrypt parameters at sign-in', async () => {
    const store = getStore();
    const { app } = await start({}, store);
    await signup(app);
    const before = await store.db.selectFrom('accounts_users').select('password_hash').executeTakeFirstOrThrow();
    expect(before.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    const stronger = await start({ scrypt: { logN: 11, r: 8, p: 1 } }, store);
    expect(
      (await post(stronger.app, '/api/auth/signin', { username: 'alice', password: 'correct horse' })).statusCode,
    ).toBe(200);
    const after = await store.db.selectFrom('accounts_users').select('password_hash').executeTakeFirstOrThrow();
    expect(after.password_hash).toMatch(/^\$scrypt\$ln=11,r=8,p=1\$/);
    expect(
      (await post(stronger.app, '/api/auth/signin', { username: 'alice', password: 'correct horse' })).statusCode,
    ).toBe(200);
  });

  it.each([
    ['text/plain', undefined],
    ['application/x-www-form-urlencoded', undefined],
    ['multipart/form-data; boundary=x', undefined],
  ])('refuses a state-changing request with Content-Type %s (403)', async (contentType) => {
    const { app } = await start();
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { 'content-type': contentType },
      payload: 'username=mallory&password=password1',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: `state-changing requests must have Content-Type application/json (got ${contentType})`,
    });
    expect(await getStore().db.selectFrom('accounts_users').selectAll().execute()).toEqual([]);
  });

  it('refuses a state-changing /api request without a Content-Type, even with a session', async () => {
    const { app } = await start();
    const token = defined(sessionCookieOf(await signup(app)), 'session cookie').value;
    const response = await app.inject({ method: 'POST', url: '/api/notes', cookies: { outpost_session: token } });
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toContain('(got none)');
  });

  it('refuses an Origin that does not match the Host, accepts a matching one', async () => {
    const { app } = await start();
    const body = { username: 'alice', password: 'correct horse' };
    const evil = await post(app, '/api/auth/signup', body, { origin: 'http://evil.example', host: 'app.example' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().message).toBe(
      'cross-origin request refused: Origin http://evil.example does not match Host app.example',
    );
    const sibling = await post(app, '/api/auth/signup', body, { origin: 'http://a.app.example', host: 'app.example' });
    expect(sibling.statusCode).toBe(403);
    const opaque = await post(app, '/api/auth/signup', body, { origin: 'null', host: 'app.example' });
    expect(opaque.statusCode).toBe(403);
    const same = await post(app, '/api/auth/signup', body, { origin: 'http://App.Example:80', host: 'app.example' });
    expect(same.statusCode).toBe(201);
  });

  it('leaves reads to the app, and JSON posts on any path', async () => {
    const { app } = await start();
    const read = await app.inject({ url: '/api/auth/me', headers: { origin: 'https://evil.example' } });
    expect(read.statusCode).toBe(401);
    const form = await app.inject({
      method: 'POST',
      url: '/form',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(form.json()).toEqual({ reached: true });
  });

  it('rate-limits signin per client with 429', async () => {
    const { app } = await start({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    const attempt = () => post(app, '/api/auth/signin', { username: 'alice', password: 'guess guess' });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await attempt()).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const limited = await attempt();
    expect(limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const other = await post(app, '/api/auth/signin', { username: 'a', password: 'b' }, {}).then(() =>
      app.inject({
        method: 'POST',
        url: '/api/auth/signin',
        remoteAddress: '10.0.0.2',
        headers: JSON_HEADERS,
        payload: JSON.stringify({ username: 'alice', password: 'guess guess' }),
      }),
    );
    expect(other.statusCode).toBe(401);
  });

  it('rate-limits signup with the default of 10 per minute', async () => {
    const { app } = await start({ rateLimit: undefined });
    const codes = [];
    for (let i = 0; i < 11; i++) codes.push((await signup(app, `user${i}`)).statusCode);
    expect(codes).toEqual([...Array(10).fill(201), 429]);
  });
});
