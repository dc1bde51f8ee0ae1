import { ACCOUNT_HEADER, accounts } from '@outpost/server';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { mailRoutes } from '../src/server/mail/routes.js';

describeEachStore('issue 12: the demo mail API under hostile use', (getStore) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(clock = { ms: Date.UTC(2030, 0, 1) }) {
    const server = Fastify();
    app = server;
    const store = getStore();
    await server.register(accounts, { store, scrypt: { logN: 10, r: 8, p: 1 }, rateLimit: false });
    await server.register(mailRoutes, { store, now: () => clock.ms, sendLimit: { max: 3, timeWindowMs: 60_000 } });
    await server.ready();
    const signup = async (username: string) => {
      const response = await server.inject({
        method: 'POST',
        url: '/api/auth/signup',
        headers: { 'content-type': 'application/json' },
        payload: { username, password: 'correct horse' },
      });
      const user = response.json().user as { id: string };
      return { id: user.id, session: response.cookies[0]?.value ?? '' };
    };
    const send = (session: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
      server.inject({
        method: 'POST',
        url: '/api/mail',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, ...headers },
        cookies: { outpost_session: session },
        payload: JSON.stringify(body),
      });
    const rows = async () =>
      (await store.db.selectFrom('mail_messages').select('sender_id').execute()) as { sender_id: string }[];
    return { signup, send, rows, server };
  }

  it('issue 12 item 13: a per-account send limit answers 429 with Retry-After; replays do not count', async () => {
    const clock = { ms: Date.UTC(2030, 0, 1) };
    const { signup, send } = await start(clock);
    const alice = await signup('alice');
    const bob = await signup('bob');
    for (let i = 0; i < 3; i++)
      expect((await send(alice.session, `k${i}`, { to: 'bob', subject: `${i}`, body: '' })).statusCode).toBe(201);
    // A repeat of a sent mail is answered from its stored response, within the limit or not.
    expect(
      (await send(alice.session, 'k0', { to: 'bob', subject: '0', body: '' })).headers['idempotent-replayed'],
    ).toBe('true');
    clock.ms += 20_000;
    const limited = await send(alice.session, 'k3', { to: 'bob', subject: '3', body: '' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('40');
    expect(limited.json().message).toBe('send limit of 3 mails per 60 s reached: try again in 40 s');
    // Other accounts have their own count; the limited key is free again once the window ends.
    expect((await send(bob.session, 'b0', { to: 'alice', subject: 'b', body: '' })).statusCode).toBe(201);
    clock.ms += 40_000;
    expect((await send(alice.session, 'k3', { to: 'bob', subject: '3', body: '' })).statusCode).toBe(201);
  });

  it('issue 12 item 9: a mail bound to one account is never sent in another account’s session', async () => {
    const { signup, send, rows } = await start();
    const alice = await signup('alice');
    const bob = await signup('bob');
    const mail = { to: 'bob', subject: 'from alice', body: '' };
    const asBob = await send(bob.session, 'k', mail, { [ACCOUNT_HEADER]: alice.id });
    expect(asBob.statusCode).toBe(401);
    expect(asBob.json().code).toBe('OUTPOST_ACCOUNT_MISMATCH');
    expect(await rows()).toEqual([]);
    const asAlice = await send(alice.session, 'k', mail, { [ACCOUNT_HEADER]: alice.id });
    expect(asAlice.statusCode).toBe(201);
    expect(asAlice.json().message.from).toBe('alice');
    expect(await rows()).toEqual([{ sender_id: alice.id }]);
  });

  it('issue 12 item 14: per-user mail answers are not cached', async () => {
    const { signup, server } = await start();
    const alice = await signup('alice');
    for (const url of ['/api/mail/inbox', '/api/mail/sent', '/api/mail/recipients']) {
      const response = await server.inject({ url, cookies: { outpost_session: alice.session } });
      expect(response.headers['cache-control'], url).toBe('no-store');
    }
  });
});
