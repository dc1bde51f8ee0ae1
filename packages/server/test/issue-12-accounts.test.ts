import { connect } from 'node:net';
import {
  ACCOUNT_HEADER,
  ACCOUNT_MISMATCH_CODE,
  type AccountsOptions,
  accounts,
  requireUser,
  SECURE_SESSION_COOKIE,
} from '@outpost/server';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';

const FAST_SCRYPT = { logN: 10, r: 8, p: 1 };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Sends raw bytes to the server and returns what it answered (the status line first). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n\r\n')) socket.end();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(text);
  });
}

describeEachStore('issue 12: accounts under hostile requests', (getStore) => {
  let current: FastifyInstance | undefined;
  let reached = 0;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  async function start(options: Partial<AccountsOptions> = {}): Promise<FastifyInstance> {
    reached = 0;
    const clock = { ms: Date.UTC(2030, 0, 1) };
    const app = Fastify();
    await app.register(accounts, {
      store: getStore(),
      scrypt: FAST_SCRYPT,
      rateLimit: false,
      now: () => clock.ms,
      ...options,
    });
    app.post('/api/notes', async () => {
      reached++;
      return { saved: true };
    });
    app.post('/form', async () => {
      reached++;
      return { saved: true };
    });
    app.get('/api/private', { preHandler: requireUser }, async (request) => ({ hello: request.user?.username }));
    app.get('/api/cached', { preHandler: requireUser }, async (_request, reply) => {
      reply.header('cache-control', 'private, max-age=60');
      return { fine: true };
    });
    await app.ready();
    current = app;
    return app;
  }

  const signup = async (app: FastifyInstance, username: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: JSON_HEADERS,
      payload: JSON.stringify({ username, password: 'correct horse' }),
    });
    const cookie = response.cookies[0];
    if (response.statusCode !== 201 || !cookie) throw new Error(`signup: ${response.statusCode}`);
    return { id: (response.json() as { user: { id: string } }).user.id, cookie: { [cookie.name]: cookie.value } };
  };

  it('issue 12 item 11: refuses a text/plain POST to a percent-encoded /api path and to any other path', async () => {
    const app = await start();
    for (const url of ['/%61pi/notes', '/api%2Fnotes', '/form']) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'text/plain' },
        payload: 'x',
      });
      expect(response.statusCode, url).toBe(403);
    }
    expect(reached).toBe(0);
  });

  it('issue 12 item 11: refuses a text/plain POST with an absolute-form request target', async () => {
    const app = await start();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    for (const target of [`http://127.0.0.1:${port}/api/notes`, `http://127.0.0.1:${port}/%61pi/notes`]) {
      const answer = await rawRequest(
        port,
        `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`,
      );
      expect(answer.split('\r\n', 1)[0], target).toBe('HTTP/1.1 403 Forbidden');
    }
    expect(reached).toBe(0);
  });

  it('issue 12 item 14: the Origin check compares the scheme', async () => {
    const app = await start();
    const response = await app.inject({
      method: 'POST',
      url: '/api/notes',
      headers: { ...JSON_HEADERS, host: 'app.example', origin: 'https://app.example' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().message).toBe('cross-origin request refused: Origin https://app.example is not http://');
    // With Secure cookies the site is https (behind a proxy the socket may still say http).
    const secure = await start({ secureCookies: true });
    const ok = await secure.inject({
      method: 'POST',
      url: '/api/notes',
      headers: { ...JSON_HEADERS, host: 'app.example', origin: 'https://app.example' },
      payload: '{}',
    });
    expect(ok.statusCode).toBe(200);
    const plain = await secure.inject({
      method: 'POST',
      url: '/api/notes',
      headers: { ...JSON_HEADERS, host: 'app.example', origin: 'http://app.example' },
      payload: '{}',
    });
    expect(plain.statusCode).toBe(403);
  });

  it('issue 12 item 14: Cache-Control no-store on per-user answers and every auth answer', async () => {
    const app = await start();
    const alice = await signup(app, 'alice');
    const me = await app.inject({ url: '/api/auth/me', cookies: alice.cookie });
    expect(me.headers['cache-control']).toBe('no-store');
    const anonymousMe = await app.inject({ url: '/api/auth/me' });
    expect(anonymousMe.headers['cache-control']).toBe('no-store');
    const privateAnswer = await app.inject({ url: '/api/private', cookies: alice.cookie });
    expect(privateAnswer.json()).toEqual({ hello: 'alice' });
    expect(privateAnswer.headers['cache-control']).toBe('no-store');
    // A route that chose its own caching keeps it.
    const chosen = await app.inject({ url: '/api/cached', cookies: alice.cookie });
    expect(chosen.headers['cache-control']).toBe('private, max-age=60');
  });

  it('issue 12 item 14: the session cookie is __Host-outpost_session when cookies are Secure', async () => {
    const app = await start({ secureCookies: true });
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: JSON_HEADERS,
      payload: JSON.stringify({ username: 'alice', password: 'correct horse' }),
    });
    const cookie = response.cookies[0];
    expect(cookie).toMatchObject({ name: SECURE_SESSION_COOKIE, secure: true, path: '/', httpOnly: true });
    expect(cookie?.domain).toBeUndefined();
    const me = await app.inject({ url: '/api/auth/me', cookies: { [SECURE_SESSION_COOKIE]: cookie?.value ?? '' } });
    expect(me.json().user.username).toBe('alice');
    // The plain name means nothing on a Secure site: it cannot be planted from http or a sibling subdomain.
    const planted = await app.inject({ url: '/api/auth/me', cookies: { outpost_session: cookie?.value ?? '' } });
    expect(planted.statusCode).toBe(401);
    const signout = await app.inject({
      method: 'POST',
      url: '/api/auth/signout',
      headers: JSON_HEADERS,
      cookies: { [SECURE_SESSION_COOKIE]: cookie?.value ?? '' },
    });
    expect(signout.headers['set-cookie']).toMatch(/^__Host-outpost_session=;.*Path=\/.*Secure/);
  });

  it('issue 12 item 14: limits failed sign-ins per account, whatever the address', async () => {
    const clock = { ms: Date.UTC(2030, 0, 1) };
    const app = await start({ now: () => clock.ms, accountSignInLimit: { max: 3, timeWindowMs: 60_000 } });
    await signup(app, 'alice');
    await signup(app, 'bob');
    const signin = (username: string, password: string, address: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/signin',
        headers: JSON_HEADERS,
        remoteAddress: address,
        payload: JSON.stringify({ username, password }),
      });
    for (let i = 0; i < 3; i++) expect((await signin('ALICE', 'wrong password', `10.0.0.${i}`)).statusCode).toBe(401);
    const limited = await signin('alice', 'correct horse', '10.0.0.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.json().message).toBe('too many failed sign-ins for this account: try again in 60 s');
    // Another account is not touched; the window ends and the right password works again.
    expect((await signin('bob', 'correct horse', '10.0.0.1')).statusCode).toBe(200);
    clock.ms += 60_000;
    expect((await signin('alice', 'correct horse', '10.0.0.1')).statusCode).toBe(200);
  });

  it('issue 12 item 9: a request bound to an account runs only in that account’s session', async () => {
    const app = await start();
    const alice = await signup(app, 'alice');
    const bob = await signup(app, 'bob');
    const post = (cookies: Record<string, string>, account: string) =>
      app.inject({
        method: 'POST',
        url: '/api/notes',
        headers: { ...JSON_HEADERS, [ACCOUNT_HEADER]: account },
        cookies,
        payload: '{}',
      });
    const asBob = await post(bob.cookie, alice.id);
    expect(asBob.statusCode).toBe(401);
    expect(asBob.json()).toMatchObject({ code: ACCOUNT_MISMATCH_CODE });
    const signedOut = await post({}, alice.id);
    expect(signedOut.statusCode).toBe(401);
    expect(reached).toBe(0);
    expect((await post(alice.cookie, alice.id)).statusCode).toBe(200);
    expect(reached).toBe(1);
  });
});
