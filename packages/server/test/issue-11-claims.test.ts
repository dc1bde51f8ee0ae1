import { Writable } from 'node:stream';
import { acquireClaim, type ClaimStore, idempotency, type KeyRecord } from '@outpost/server';
import { describeEachStore } from '@outpost/store/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const KEY = '"issue-11-claims"';
const LOCK_MS = 60_000;

describe('issue 11 item 4: a handler never runs without a claim', () => {
  it('answers conflict, never claimed, after two lost claim races', async () => {
    let claims = 0;
    let takeOvers = 0;
    // Every read finds the key free (or abandoned), and every claim loses to a racing request.
    const racing = (record: KeyRecord | undefined): ClaimStore => ({
      find: async () => record,
      claim: async () => {
        claims++;
        return false;
      },
      takeOver: async () => {
        takeOvers++;
        return false;
      },
    });
    const request = {
      id: { scope: '', key: 'k' },
      fingerprint: 'f',
      token: 't',
      now: () => 1e6,
      ttlMs: 10,
      lockTimeoutMs: 5,
    };
    expect(await acquireClaim(racing(undefined), request)).toEqual({ kind: 'conflict' });
    expect(claims).toBe(2);
    const stale: KeyRecord = {
      fingerprint: 'f',
      state: 'running',
      status: null,
      headers: {},
      body: null,
      createdAt: 0,
      expiresAt: 2e6,
    };
    expect(await acquireClaim(racing(stale), request)).toEqual({ kind: 'conflict' });
    expect(takeOvers).toBe(2);
  });

  it('claims with the request’s own token when the claim wins', async () => {
    const store: ClaimStore = { find: async () => undefined, claim: async () => true, takeOver: async () => false };
    const request = {
      id: { scope: '', key: 'k' },
      fingerprint: 'f',
      token: 'mine',
      now: () => 1,
      ttlMs: 10,
      lockTimeoutMs: 5,
    };
    expect(await acquireClaim(store, request)).toEqual({ kind: 'claimed', token: 'mine' });
  });
});

describeEachStore('issue 11 item 4: idempotency claims are owned', (getStore) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A server whose `/api/gate` handler waits, per call, until the test lets it answer (with a status). */
  async function start() {
    const clock = { ms: Date.UTC(2030, 0, 1) };
    const gates: ((status: number) => void)[] = [];
    const logs: { level: number; msg: string; idempotencyKey?: string }[] = [];
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(JSON.parse(String(chunk)));
        done();
      },
    });
    let runs = 0;
    const server = Fastify({ logger: { level: 'warn', stream: logStream } });
    await server.register(idempotency, { store: getStore(), now: () => clock.ms, lockTimeoutMs: LOCK_MS });
    server.post('/api/gate', { config: { idempotency: 'required' } }, async (_request, reply) => {
      const run = ++runs;
      const status = await new Promise<number>((resolve) => gates.push(resolve));
      return reply.code(status).send({ run });
    });
    await server.ready();
    app = server;
    const send = () =>
      server.inject({
        method: 'POST',
        url: '/api/gate',
        headers: { 'content-type': 'application/json', 'idempotency-key': KEY },
        payload: '{}',
      });
    const gateOpened = async (count: number) => {
      while (gates.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    return { clock, gates, logs, send, gateOpened, runs: () => runs };
  }

  it('a late completion after a take-over changes nothing and is logged', async () => {
    const h = await start();
    const first = h.send();
    await h.gateOpened(1);
    h.clock.ms += LOCK_MS;
    const second = h.send();
    await h.gateOpened(2);
    // The abandoned first request finishes after all: its answer must not become the key's stored response.
    h.gates[0]?.(201);
    expect((await first).json()).toEqual({ run: 1 });
    const meanwhile = await h.send();
    expect(meanwhile.statusCode).toBe(409);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        idempotencyKey: 'issue-11-claims',
        msg: 'idempotency: this request finished after its key was taken over by a retry; its response was not stored',
      }),
    );
    h.gates[1]?.(201);
    expect((await second).json()).toEqual({ run: 2 });
    const replay = await h.send();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual({ run: 2 });
    expect(h.runs()).toBe(2);
  });

  it('a late failure after a take-over does not release the new holder’s claim', async () => {
    const h = await start();
    const first = h.send();
    await h.gateOpened(1);
    h.clock.ms += LOCK_MS;
    const second = h.send();
    await h.gateOpened(2);
    h.gates[0]?.(503);
    expect((await first).statusCode).toBe(503);
    // Had the late failure deleted the record, this third request would run the handler a third time.
    expect((await h.send()).statusCode).toBe(409);
    expect(h.runs()).toBe(2);
    expect(h.logs.map((log) => log.msg)).toContain(
      'idempotency: this request finished after its key was taken over by a retry; the new holder keeps the key',
    );
    h.gates[1]?.(201);
    expect((await second).statusCode).toBe(201);
  });
});
