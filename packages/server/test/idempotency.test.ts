import { type IdempotencyOptions, idempotency, REPLAYED_HEADER } from '@outpost/server';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';

const HOUR_MS = 60 * 60 * 1000;
const KEY = '"8e03978e-40d5-43e8-bc93-6894a57f9324"';

interface Harness {
  app: FastifyInstance;
  clock: { ms: number };
  /** How many times the handler of `/api/mail` ran (its effects). */
  effects: () => number;
  /** Lets a held request of `/api/slow` finish. */
  release: () => void;
}

describeEachStore('idempotency plugin', (getStore) => {
  let current: FastifyInstance | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  async function start(options: Partial<IdempotencyOptions> = {}): Promise<Harness> {
    const clock = { ms: Date.UTC(2030, 0, 1) };
    let effects = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app = Fastify();
    await app.register(idempotency, { store: getStore(), now: () => clock.ms, ...options });
    app.post('/api/mail', { config: { idempotency: 'required' } }, async (request, reply) => {
      effects++;
      const { to } = request.body as { to: string };
      if (to === 'nobody')
        return reply.code(422).send({ statusCode: 422, error: 'Unprocessable Entity', message: 'no such recipient' });
      if (to === 'crash') throw new Error('database down');
      reply.code(201).header('location', `/api/mail/${effects}`);
      return { id: effects, to };
    });
    app.post('/api/optional', { config: { idempotency: 'optional' } }, async () => {
      effects++;
      return { effects };
    });
    app.post('/api/slow', { config: { idempotency: 'required' } }, async () => {
      effects++;
      await held;
      return { done: true };
    });
    app.post('/api/plain', async () => {
      effects++;
      return { effects };
    });
    await app.ready();
    current = app;
    return { app, clock, effects: () => effects, release };
  }

  const post = (app: FastifyInstance, url: string, body: unknown, key: string | null = KEY) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
      payload: JSON.stringify(body),
    });

  it('runs the first request and stores nothing visible on it', async () => {
    const { app, effects } = await start();
    const response = await post(app, '/api/mail', { to: 'bob' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: 1, to: 'bob' });
    expect(response.headers[REPLAYED_HEADER]).toBeUndefined();
    expect(effects()).toBe(1);
  });

  it('answers a repeat with the stored status, body and headers, marked as a replay, without running again', async () => {
    const { app, effects } = await start();
    const first = await post(app, '/api/mail', { to: 'bob' });
    const second = await post(app, '/api/mail', { to: 'bob' });
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers.location).toBe('/api/mail/1');
    expect(second.headers[REPLAYED_HEADER]).toBe('true');
    expect(effects()).toBe(1);
  });

  it('accepts the bare key form and treats it as the same key as the quoted one', async () => {
    const { app, effects } = await start();
    await post(app, '/api/mail', { to: 'bob' }, '8e03978e-40d5-43e8-bc93-6894a57f9324');
    const replay = await post(app, '/api/mail', { to: 'bob' });
    expect(replay.headers[REPLAYED_HEADER]).toBe('true');
    expect(effects()).toBe(1);
  });

  it('answers 409 to a duplicate while the first request still runs, then replays once it finished', async () => {
    const { app, effects, release } = await start();
    const first = post(app, '/api/slow', {});
    await expect.poll(effects).toBe(1);
    const concurrent = await post(app, '/api/slow', {});
    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.headers['retry-after']).toBe('1');
    expect(concurrent.json().message).toMatch(/still being processed/);
    release();
    expect((await first).statusCode).toBe(200);
    const after = await post(app, '/api/slow', {});
    expect(after.statusCode).toBe(200);
    expect(after.headers[REPLAYED_HEADER]).toBe('true');
    expect(effects()).toBe(1);
  });

  it('lets exactly one of many simultaneous duplicates run', async () => {
    const { app, effects } = await start();
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(app, '/api/mail', { to: 'bob' })));
    expect(effects()).toBe(1);
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
  });

  it('answers 422 when the key comes back with a different body or URL', async () => {
    const { app, effects } = await start();
    await post(app, '/api/mail', { to: 'bob' });
    const otherBody = await post(app, '/api/mail', { to: 'carol' });
    expect(otherBody.statusCode).toBe(422);
    expect(otherBody.json().message).toMatch(/different request/);
    const otherUrl = await post(app, '/api/optional', { to: 'bob' });
    expect(otherUrl.statusCode).toBe(422);
    expect(effects()).toBe(1);
  });

  it('answers 400 without a key on a required route, and runs keyless requests on optional and plain routes', async () => {
    const { app, effects } = await start();
    const missing = await post(app, '/api/mail', { to: 'bob' }, null);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/requires an Idempotency-Key/);
    expect(effects()).toBe(0);
    expect((await post(app, '/api/optional', {}, null)).json()).toEqual({ effects: 1 });
    expect((await post(app, '/api/optional', {}, null)).json()).toEqual({ effects: 2 });
    expect((await post(app, '/api/plain', {})).json()).toEqual({ effects: 3 });
    expect((await post(app, '/api/plain', {})).json()).toEqual({ effects: 4 });
  });

  it('answers 400 to a malformed key', async () => {
    const { app, effects } = await start();
    for (const key of ['""', '"open', 'two words', `"${'k'.repeat(256)}"`, '"bad \\n escape"']) {
      const response = await post(app, '/api/mail', { to: 'bob' }, key);
      expect(response.statusCode, key).toBe(400);
      expect(response.json().message).toMatch(/Idempotency-Key/);
    }
    expect(effects()).toBe(0);
  });

  it('does not store error responses: the key is released and a retry runs again', async () => {
    const { app, effects } = await start();
    expect((await post(app, '/api/mail', { to: 'nobody' })).statusCode).toBe(422);
    const again = await post(app, '/api/mail', { to: 'nobody' });
    expect(again.statusCode).toBe(422);
    expect(again.headers[REPLAYED_HEADER]).toBeUndefined();
    expect((await post(app, '/api/mail', { to: 'crash' }, '"k2"')).statusCode).toBe(500);
    expect((await post(app, '/api/mail', { to: 'bob' }, '"k2"')).statusCode).toBe(201);
    expect(effects()).toBe(4);
  });

  it('expires keys after 24 hours by default', async () => {
    const { app, clock, effects } = await start();
    await post(app, '/api/mail', { to: 'bob' });
    clock.ms += 24 * HOUR_MS - 1;
    expect((await post(app, '/api/mail', { to: 'bob' })).headers[REPLAYED_HEADER]).toBe('true');
    clock.ms += 1;
    const fresh = await post(app, '/api/mail', { to: 'carol' });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.headers[REPLAYED_HEADER]).toBeUndefined();
    expect(effects()).toBe(2);
  });

  it('honours a configured lifetime', async () => {
    const { app, clock, effects } = await start({ ttlMs: HOUR_MS });
    await post(app, '/api/mail', { to: 'bob' });
    clock.ms += HOUR_MS;
    expect((await post(app, '/api/mail', { to: 'bob' })).headers[REPLAYED_HEADER]).toBeUndefined();
    expect(effects()).toBe(2);
  });

  it('lets a retry take over a key whose request was abandoned longer than the lock timeout', async () => {
    const { app, clock, effects, release } = await start({ lockTimeoutMs: 60_000 });
    const first = post(app, '/api/slow', {});
    await expect.poll(effects).toBe(1);
    clock.ms += 59_999;
    expect((await post(app, '/api/slow', {})).statusCode).toBe(409);
    clock.ms += 1;
    const takeOver = post(app, '/api/slow', {});
    await expect.poll(effects).toBe(2);
    release();
    expect((await takeOver).statusCode).toBe(200);
    expect((await first).statusCode).toBe(200);
  });

  it('keeps keys of different scopes apart', async () => {
    const app = Fastify();
    await app.register(idempotency, { store: getStore(), scope: (request) => String(request.headers['x-client']) });
    let effects = 0;
    app.post('/api/mail', { config: { idempotency: 'required' } }, async () => ({ effects: ++effects }));
    current = app;
    const send = (client: string) =>
      app.inject({
        method: 'POST',
        url: '/api/mail',
        headers: { 'content-type': 'application/json', 'idempotency-key': KEY, 'x-client': client },
        payload: '{}',
      });
    expect((await send('a')).json()).toEqual({ effects: 1 });
    expect((await send('b')).json()).toEqual({ effects: 2 });
    expect((await send('a')).headers[REPLAYED_HEADER]).toBe('true');
  });

  it('refuses a non-positive lifetime', async () => {
    const app = Fastify();
    current = app;
    await expect(app.register(idempotency, { store: getStore(), ttlMs: 0 }).ready()).rejects.toThrow(/ttlMs/);
  });
});
