import { accounts } from '@outpost/server';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { mailRoutes } from '../src/server/mail/routes.js';

const KEY = '"0f8fad5b-d9cb-469f-a165-70867728950e"';

describeEachStore('demo mail API', (getStore) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start() {
    app = Fastify();
    const store = getStore();
    await app.register(accounts, { store, scrypt: { logN: 10, r: 8, p: 1 }, rateLimit: false });
    await app.register(mailRoutes, { store });
    await app.ready();
    const server = app;
    const signup = async (username: string) => {
      const response = await server.inject({
        method: 'POST',
        url: '/api/auth/signup',
        headers: { 'content-type': 'application/json' },
        payload: { username, password: 'correct horse' },
      });
      return response.cookies.find((cookie) => cookie.name === 'outpost_session')?.value as string;
    };
    const send = (session: string | undefined, body: unknown, key: string | null = KEY) =>
      server.inject({
        method: 'POST',
        url: '/api/mail',
        headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        ...(session ? { cookies: { outpost_session: session } } : {}),
        payload: JSON.stringify(body),
      });
    const folder = async (session: string, name: string) =>
      (await server.inject({ url: `/api/mail/${name}`, cookies: { outpost_session: session } })).json();
    return { signup, send, folder };
  }

  it('delivers a mail once however often it is sent with one key, to the inbox and the sent folder', async () => {
    const { signup, send, folder } = await start();
    const alice = await signup('alice');
    const bob = await signup('Bob');
    const mail = { to: 'bob', subject: 'Hi', body: 'Long text' };
    const first = await send(alice, mail);
    expect(first.statusCode).toBe(201);
    expect(first.json().message).toMatchObject({ from: 'alice', to: 'Bob', subject: 'Hi', body: 'Long text' });
    const again = await send(alice, mail);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await folder(bob, 'inbox')).messages).toHaveLength(1);
    expect((await folder(alice, 'sent')).messages).toEqual([first.json().message]);
    expect((await folder(alice, 'inbox')).messages).toEqual([]);
    expect((await folder(alice, 'recipients')).recipients).toEqual(['Bob']);
  });

  it('refuses unknown recipients with 422 and the reason, and keys are per user', async () => {
    const { signup, send, folder } = await start();
    const alice = await signup('alice');
    const carol = await signup('carol');
    const refused = await send(alice, { to: 'zed', subject: '', body: '' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().message).toBe('no such recipient: zed');
    // The same key from another user is another request.
    expect((await send(carol, { to: 'alice', subject: 's', body: 'b' })).statusCode).toBe(201);
    expect((await send(alice, { to: 'carol', subject: 's', body: 'b' })).statusCode).toBe(201);
    expect((await folder(alice, 'inbox')).messages).toHaveLength(1);
  });

  it('refuses a mail written by another user than the one signed in', async () => {
    const { signup, send } = await start();
    await signup('alice');
    const bob = await signup('bob');
    const refused = await send(bob, { to: 'alice', subject: 's', body: 'b', from: 'Alice' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe('written as Alice but signed in as bob: sign in as Alice and retry');
    expect((await send(bob, { to: 'alice', subject: 's', body: 'b', from: 'BOB' })).statusCode).toBe(201);
  });

  it('needs a session, a key and a valid body', async () => {
    const { signup, send } = await start();
    expect((await send(undefined, { to: 'x', subject: '', body: '' })).statusCode).toBe(401);
    const alice = await signup('alice');
    expect((await send(alice, { to: 'alice', subject: '', body: '' }, null)).statusCode).toBe(400);
    expect((await send(alice, { to: 'alice', subject: '', body: '', cc: 'x' })).statusCode).toBe(400);
    expect((await send(alice, { to: 'alice', subject: 'x'.repeat(201), body: '' })).statusCode).toBe(400);
  });
});
