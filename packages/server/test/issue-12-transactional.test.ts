import { randomUUID } from 'node:crypto';
import { idempotency, idempotentTransaction, REPLAYED_HEADER } from '@outpost/server';
import { migrate } from '@outpost/store';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';

interface Tables {
  tx_effects: { id: string; note: string };
}

describeEachStore('issue 12 item 10: the transactional idempotency form', (getStore) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(): Promise<FastifyInstance> {
    const store = getStore();
    await migrate(store, 'tx-test', [
      {
        name: '001',
        up: (db) =>
          db.schema
            .createTable('tx_effects')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('note', 'text', (c) => c.notNull())
            .execute(),
      },
    ]);
    const server = Fastify();
    await server.register(idempotency, { store });
    server.post(
      '/api/effects',
      { config: { idempotency: { mode: 'optional', transactional: true } } },
      async (request, reply) => {
        const trx = idempotentTransaction<Tables>(request);
        const { note } = request.body as { note: string };
        const id = randomUUID();
        await trx.insertInto('tx_effects').values({ id, note }).execute();
        // A refusal after a change: the rollback takes the change back with the key.
        if (note === 'refuse')
          return reply.code(422).send({ statusCode: 422, error: 'Unprocessable Entity', message: 'no' });
        if (note === 'throw') throw new Error('handler failed after its change');
        return reply.code(201).send({ id });
      },
    );
    server.post('/api/plain', { config: { idempotency: 'optional' } }, async (request) => {
      idempotentTransaction(request);
      return {};
    });
    await server.ready();
    app = server;
    return server;
  }

  const post = (server: FastifyInstance, note: string, key?: string, url = '/api/effects') =>
    server.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      payload: JSON.stringify({ note }),
    });
  const count = async () => (await getStore().db.selectFrom('tx_effects').selectAll().execute()).length;

  it('commits the change with the stored response; a repeat replays it', async () => {
    const server = await start();
    const first = await post(server, 'hello', 'k1');
    expect(first.statusCode).toBe(201);
    const again = await post(server, 'hello', 'k1');
    expect(again.headers[REPLAYED_HEADER]).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await count()).toBe(1);
  });

  it('rolls back the change and frees the key on an error answer or a throw', async () => {
    const server = await start();
    expect((await post(server, 'refuse', 'k2')).statusCode).toBe(422);
    expect((await post(server, 'throw', 'k3')).statusCode).toBe(500);
    expect(await count()).toBe(0);
    // The keys are free: the same key with another body is a new request, not a 422 mismatch.
    expect((await post(server, 'fine', 'k2')).statusCode).toBe(201);
    expect(await count()).toBe(1);
  });

  it('runs keyless requests in a transaction too', async () => {
    const server = await start();
    expect((await post(server, 'refuse')).statusCode).toBe(422);
    expect((await post(server, 'keyless')).statusCode).toBe(201);
    expect(await count()).toBe(1);
  });

  it('concurrent repeats of one key make one change', async () => {
    const server = await start();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(server, 'burst', 'k4')));
    expect(await count()).toBe(1);
    const ids = new Set(answers.filter((a) => a.statusCode === 201).map((a) => a.json().id));
    expect(ids.size).toBe(1);
    for (const answer of answers) expect([201, 409]).toContain(answer.statusCode);
  });

  it('refuses idempotentTransaction on a route that is not transactional', async () => {
    const server = await start();
    const response = await post(server, 'x', undefined, '/api/plain');
    expect(response.statusCode).toBe(500);
  });
});
