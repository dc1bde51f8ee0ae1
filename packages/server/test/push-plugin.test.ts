import {
  accounts,
  type DeclarativePush,
  InvalidPushMessageError,
  type PushOptions,
  push,
  pushMigrations,
} from '@outpost/server';
import { migrate, type Store } from '@outpost/store';
import { describeEachStore } from '@outpost/store/testing';
import { generateUserAgentKeys, subscriptionKeys } from '@outpost/webpush';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  decryptRequest,
  holdAnswers,
  type PushSink,
  type SinkSubscription,
  sinkSubscription,
  startSink,
} from './push-sink.js';

const MESSAGE: DeclarativePush = {
  web_push: 8030,
  notification: { title: 'Alice', body: 'Lunch?', navigate: '/chat/alice', tag: 'chat:alice' },
  app_badge: 1,
};

interface Account {
  id: string;
  cookie: string;
}

describeEachStore('push plugin', (getStore) => {
  let sink: PushSink;
  const apps: FastifyInstance[] = [];
  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await sink.close();
  });

  async function start(options: Partial<PushOptions> = {}, store: Store = getStore()): Promise<FastifyInstance> {
    const app = Fastify();
    await app.register(accounts, { store, rateLimit: false, scrypt: { logN: 10, r: 8, p: 1 } });
    await app.register(push, {
      store,
      worker: false,
      allowedOrigins: [sink.origin],
      http: { ca: sink.ca },
      ...options,
    });
    await app.ready();
    apps.push(app);
    return app;
  }

  let accountCounter = 0;
  async function signUp(app: FastifyInstance): Promise<Account> {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { username: `user${++accountCounter}`, password: 'correct horse battery' },
    });
    expect(response.statusCode).toBe(201);
    const cookie = response.cookies.find((c) => c.name === 'outpost_session');
    if (!cookie) throw new Error('no session cookie');
    return { id: (response.json() as { user: { id: string } }).user.id, cookie: `outpost_session=${cookie.value}` };
  }

  const subscribe = (app: FastifyInstance, account: Account, body: unknown) =>
    app.inject({
      method: 'POST',
      url: '/api/push/subscriptions',
      headers: { cookie: account.cookie },
      payload: body as object,
    });

  async function subscribed(app: FastifyInstance, account: Account): Promise<SinkSubscription> {
    const subscription = await sinkSubscription(sink);
    expect((await subscribe(app, account, subscription.json)).statusCode).toBe(201);
    return subscription;
  }

  it('serves one VAPID key, generated once and kept across restarts', async () => {
    const first = await start();
    const key = (await first.inject({ method: 'GET', url: '/api/push/key' })).json() as { publicKey: string };
    expect(key.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/);
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const second = await start();
    expect((await second.inject({ method: 'GET', url: '/api/push/key' })).json()).toEqual(key);
    expect(second.push.publicKey).toBe(key.publicKey);
  });

  it('stores one row per endpoint; re-posting answers 200 and moves it to the current account', async () => {
    const app = await start();
    const alice = await signUp(app);
    const bob = await signUp(app);
    const subscription = await sinkSubscription(sink);
    expect((await subscribe(app, alice, subscription.json)).statusCode).toBe(201);
    expect((await subscribe(app, alice, subscription.json)).statusCode).toBe(200);
    expect((await app.push.subscriptions(alice.id)).map((s) => s.endpoint)).toEqual([subscription.json.endpoint]);
    expect((await subscribe(app, bob, subscription.json)).statusCode).toBe(200);
    expect(await app.push.subscriptions(alice.id)).toEqual([]);
    expect((await app.push.subscriptions(bob.id)).map((s) => s.endpoint)).toEqual([subscription.json.endpoint]);
  });

  it('refuses a subscription without a session (401), with bad keys or body (400)', async () => {
    const app = await start();
    const alice = await signUp(app);
    const { json } = await sinkSubscription(sink);
    const anonymous = await app.inject({ method: 'POST', url: '/api/push/subscriptions', payload: json });
    expect(anonymous.statusCode).toBe(401);
    const badKey = await subscribe(app, alice, { ...json, keys: { ...json.keys, p256dh: 'AAAA' } });
    expect(badKey.statusCode).toBe(400);
    expect(badKey.json().message).toMatch(/p256dh/);
    const badAuth = await subscribe(app, alice, { ...json, keys: { ...json.keys, auth: 'AAAA' } });
    expect(badAuth.statusCode).toBe(400);
    expect((await subscribe(app, alice, { ...json, extra: 1 })).statusCode).toBe(400);
    expect((await subscribe(app, alice, { endpoint: json.endpoint })).statusCode).toBe(400);
    expect(await app.push.subscriptions(alice.id)).toEqual([]);
  });

  it('SSRF: refuses endpoints that are not an allowed push service with 400', async () => {
    const app = await start();
    const alice = await signUp(app);
    const keys = subscriptionKeys(await generateUserAgentKeys());
    const refused = [
      'https://evil.example/push/1',
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:6379/',
      `${sink.origin.replace('https:', 'http:')}/push/1`,
      'https://user:pass@fcm.googleapis.com/fcm/send/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://push.services.mozilla.com.evil.example/x',
      'file:///etc/passwd',
      'not a url',
    ];
    for (const endpoint of refused) {
      const response = await subscribe(app, alice, { endpoint, keys });
      expect(response.statusCode, endpoint).toBe(400);
      expect(response.json().message, endpoint).toMatch(/endpoint/);
    }
    expect(await app.push.subscriptions(alice.id)).toEqual([]);
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://web.push.apple.com/QG',
      'https://wns2-by3p.notify.windows.com/w/?token=x',
      `${sink.origin}/push/ok`,
    ]) {
      expect((await subscribe(app, alice, { endpoint, keys })).statusCode, endpoint).toBe(201);
    }
  });

  it('replaces an old endpoint (pushsubscriptionchange); queued jobs follow to the new endpoint', async () => {
    const app = await start();
    const bob = await signUp(app);
    const old = await subscribed(app, bob);
    expect(await app.push.notify([bob.id], MESSAGE)).toBe(1);
    const fresh = await sinkSubscription(sink);
    expect((await subscribe(app, bob, { ...fresh.json, oldEndpoint: old.json.endpoint })).statusCode).toBe(201);
    expect((await app.push.subscriptions(bob.id)).map((s) => s.endpoint)).toEqual([fresh.json.endpoint]);
    await app.push.drain();
    expect(sink.requests.map((r) => r.path)).toEqual([fresh.path]);
    expect(JSON.parse(await decryptRequest(sink.requests[0] as never, fresh))).toEqual(MESSAGE);
  });

  it('a 410 from an endpoint replaced during the send keeps the subscription and sends the job to the new one', async () => {
    const app = await start();
    const bob = await signUp(app);
    const old = await subscribed(app, bob);
    const fresh = await sinkSubscription(sink);
    const changes: number[] = [];
    sink.answer = async (request) => {
      if (request.path !== old.path) return { status: 201 };
      // The browser's pushsubscriptionchange reaches the app server while the push service answers the old endpoint.
      changes.push((await subscribe(app, bob, { ...fresh.json, oldEndpoint: old.json.endpoint })).statusCode);
      return { status: 410 };
    };
    await app.push.notify([bob.id], MESSAGE);
    await app.push.drain();
    expect(changes).toEqual([201]);
    expect(sink.requests.map((r) => r.path)).toEqual([old.path, fresh.path]);
    expect(JSON.parse(await decryptRequest(sink.requests[1] as never, fresh))).toEqual(MESSAGE);
    expect((await app.push.subscriptions(bob.id)).map((s) => s.endpoint)).toEqual([fresh.json.endpoint]);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toMatch(/^outpost_push_subscriptions_removed_total\{/m);
    expect(metrics).toMatch(/^outpost_push_sent_total 1$/m);
  });

  it('migration 002 copies the endpoint and keys of the subscription into each queued job', async () => {
    const store = getStore();
    await migrate(store, 'push', pushMigrations.slice(0, 1));
    // The tables as migration 001 left them, plus the columns 002 adds (read back at the end).
    const db = store.db as Kysely<{
      push_subscriptions: {
        id: string;
        endpoint: string;
        account_id: string;
        p256dh: string;
        auth: string;
        created_at: number;
        updated_at: number;
      };
      push_jobs: {
        id: string;
        subscription_id: string;
        payload: string;
        ttl_seconds: number;
        state: string;
        attempts: number;
        created_at: number;
        expires_at: number;
        run_at: number;
        endpoint: string | null;
        p256dh: string | null;
        auth: string | null;
      };
    }>;
    const now = Date.now();
    await db
      .insertInto('push_subscriptions')
      .values({
        id: 's1',
        endpoint: 'https://push.example/1',
        account_id: 'a',
        p256dh: 'P',
        auth: 'A',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const job = (id: string, subscription: string) => ({
      id,
      subscription_id: subscription,
      payload: '{}',
      ttl_seconds: 60,
      state: 'queued',
      attempts: 0,
      created_at: now,
      expires_at: now + 60_000,
      run_at: now,
    });
    await db
      .insertInto('push_jobs')
      .values([job('j1', 's1'), job('j2', 'deleted')])
      .execute();
    await migrate(store, 'push', pushMigrations);
    const rows = await db.selectFrom('push_jobs').select(['id', 'endpoint', 'p256dh', 'auth']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'j1', endpoint: 'https://push.example/1', p256dh: 'P', auth: 'A' },
      { id: 'j2', endpoint: null, p256dh: null, auth: null },
    ]);
  });

  it('DELETE removes the row and its queued jobs (204)', async () => {
    const app = await start();
    const bob = await signUp(app);
    const subscription = await subscribed(app, bob);
    await app.push.notify([bob.id], MESSAGE);
    const response = await app.inject({
      method: 'DELETE',
      url: '/api/push/subscriptions',
      payload: { endpoint: subscription.json.endpoint },
    });
    expect(response.statusCode).toBe(204);
    expect(await app.push.subscriptions(bob.id)).toEqual([]);
    await app.push.drain();
    expect(sink.requests).toEqual([]);
  });

  it('notify sends the declarative JSON, encrypted, with TTL, urgency and topic, to every subscription', async () => {
    const app = await start();
    const bob = await signUp(app);
    const carol = await signUp(app);
    const phone = await subscribed(app, bob);
    const laptop = await subscribed(app, bob);
    const other = await subscribed(app, carol);
    expect(await app.push.notify([bob.id], MESSAGE, { ttl: 600, urgency: 'high', topic: 'chat-alice' })).toBe(2);
    await app.push.drain();
    expect(sink.requests.map((r) => r.path).sort()).toEqual([phone.path, laptop.path].sort());
    for (const request of sink.requests) {
      const subscription = request.path === phone.path ? phone : laptop;
      expect(JSON.parse(await decryptRequest(request, subscription))).toEqual(MESSAGE);
      expect(Number(request.headers.ttl)).toBeGreaterThan(595);
      expect(Number(request.headers.ttl)).toBeLessThanOrEqual(600);
      expect(request.headers.urgency).toBe('high');
      expect(request.headers.topic).toBe('chat-alice');
      expect(String(request.headers.authorization)).toMatch(/^vapid t=.+, k=/);
    }
    expect(sink.requests.some((r) => r.path === other.path)).toBe(false);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^outpost_push_sent_total 2$/m);
    expect(metrics.body).toMatch(/^outpost_push_queue_depth 0$/m);
    expect(metrics.body).toMatch(/^outpost_push_send_duration_seconds_count\{result="delivered"\} 2$/m);
  });

  it('concurrent notify calls (one statement) each queue their own jobs; a refused call fails alone', async () => {
    const store = getStore();
    const app = await start();
    const people = [await signUp(app), await signUp(app), await signUp(app), await signUp(app)];
    const devices = new Map<string, string>();
    for (const [i, person] of people.entries()) {
      // Person i has i devices, so every call's count is its own.
      for (let d = 0; d < i; d++) devices.set((await subscribed(app, person)).path, `person-${i}`);
    }
    const calls = people.map((person, i) =>
      app.push.notify([person.id, person.id], MESSAGE, { ttl: 600 + i, topic: `person-${i}` }),
    );
    // A NUL byte is text Postgres refuses (SQLite stores it, and it matches no account).
    // Settled at once, so its rejection is handled whichever call finishes first.
    const refused = app.push.notify(['bad\u0000id'], MESSAGE).then(
      (queued) => queued,
      (error: unknown) => error,
    );
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3]);
    if (store.dialect === 'postgres') expect(await refused).toBeInstanceOf(Error);
    else expect(await refused).toBe(0);
    await app.push.drain();
    expect(sink.requests).toHaveLength(6);
    for (const request of sink.requests) {
      const topic = devices.get(request.path);
      expect(request.headers.topic).toBe(topic);
      expect(Number(request.headers.ttl)).toBeLessThanOrEqual(600 + Number(topic?.slice('person-'.length)));
    }
  });

  it('a notify outside a transaction goes to the running worker, claimed: another process leaves it alone', async () => {
    const store = getStore();
    const release = holdAnswers(sink);
    const app = await start({ worker: true, pollIntervalMs: 50 });
    // A second app server on the same database that only drains when asked.
    const other = await start({}, store);
    const bob = await signUp(app);
    const phone = await subscribed(app, bob);
    expect(await app.push.notify([bob.id], MESSAGE)).toBe(1);
    const deadline = performance.now() + 5000;
    while (sink.requests.length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sink.requests).toHaveLength(1);
    // The job is held by the first worker's lease while its POST is in flight: nothing is due for the other.
    await other.push.drain();
    expect(sink.requests).toHaveLength(1);
    release();
    await app.push.drain();
    expect(sink.requests.map((r) => r.path)).toEqual([phone.path]);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^outpost_push_queue_depth 0$/m);
  });

  it('refuses a bad or oversized message with a typed error and queues nothing', async () => {
    const app = await start();
    const bob = await signUp(app);
    await subscribed(app, bob);
    const big = { ...MESSAGE, notification: { ...MESSAGE.notification, body: 'x'.repeat(3000) } };
    await expect(app.push.notify([bob.id], big)).rejects.toThrow(InvalidPushMessageError);
    await expect(
      app.push.notify([bob.id], {
        ...MESSAGE,
        notification: { ...MESSAGE.notification, navigate: 'javascript:alert(1)' },
      }),
    ).rejects.toMatchObject({ field: 'notification.navigate' });
    await expect(app.push.notify([bob.id], MESSAGE, { topic: 'not a topic!' })).rejects.toMatchObject({
      field: 'options.topic',
    });
    await app.push.drain();
    expect(sink.requests).toEqual([]);
  });

  it('a 410 deletes the subscription and its queued jobs', async () => {
    const app = await start();
    const bob = await signUp(app);
    const subscription = await subscribed(app, bob);
    sink.answer = () => ({ status: 410, body: '{"reason":"subscription expired"}' });
    await app.push.notify([bob.id], MESSAGE);
    await app.push.notify([bob.id], MESSAGE);
    await app.push.drain();
    expect(sink.requests.every((r) => r.path === subscription.path)).toBe(true);
    expect(await app.push.subscriptions(bob.id)).toEqual([]);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^outpost_push_subscriptions_removed_total\{reason="gone"\} 1$/m);
    expect(metrics).toMatch(/^outpost_push_queue_depth 0$/m);
  });

  it('a 429 with Retry-After is honoured: no request before it, then sent', async () => {
    const app = await start();
    const bob = await signUp(app);
    await subscribed(app, bob);
    sink.answer = () =>
      sink.requests.length === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 201 };
    await app.push.notify([bob.id], MESSAGE);
    await app.push.drain();
    expect(sink.requests).toHaveLength(1);
    // Drain as often as a busy worker would: the job is not due before Retry-After.
    const deadline = performance.now() + 5000;
    while (sink.requests.length < 2 && performance.now() < deadline) {
      await app.push.drain();
      await new Promise((r) => setTimeout(r, 50));
    }
    const [first, second] = sink.requests;
    if (!first || !second) throw new Error('the job was not retried');
    expect(second.at - first.at).toBeGreaterThanOrEqual(2000);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^outpost_push_retried_total 1$/m);
    expect(metrics).toMatch(/^outpost_push_sent_total 1$/m);
  });

  it('413 fails the job with the reason; repeated 5xx dead-letters it after maxAttempts', async () => {
    const app = await start({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    const bob = await signUp(app);
    const carol = await signUp(app);
    const big = await subscribed(app, bob);
    await subscribed(app, carol);
    sink.answer = (r) => (r.path === big.path ? { status: 413, body: 'payload too large' } : { status: 503 });
    await app.push.notify([bob.id, carol.id], MESSAGE);
    for (let i = 0; i < 10; i++) {
      await app.push.drain();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sink.requests.filter((r) => r.path === big.path)).toHaveLength(1);
    expect(sink.requests.filter((r) => r.path !== big.path)).toHaveLength(3);
    const db = getStore().db as Kysely<{ push_jobs: { state: string; last_error: string | null; attempts: number } }>;
    const rows = await db
      .selectFrom('push_jobs')
      .select(['state', 'last_error', 'attempts'])
      .orderBy('state')
      .execute();
    expect(rows).toEqual([
      { state: 'dead', last_error: expect.stringMatching(/^HTTP 503: .*gave up after 3 attempts/), attempts: 3 },
      { state: 'failed', last_error: 'HTTP 413: payload too large', attempts: 1 },
    ]);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^outpost_push_failed_total\{outcome="too-large"\} 1$/m);
    expect(metrics).toMatch(/^outpost_push_failed_total\{outcome="dead"\} 1$/m);
    expect(metrics).toMatch(/^outpost_push_retried_total 2$/m);
  });

  it('drops a job whose TTL ran out before it could be sent, never delivering it late', async () => {
    const clock = { ms: Date.now() };
    const app = await start({ now: () => clock.ms });
    const bob = await signUp(app);
    await subscribed(app, bob);
    await app.push.notify([bob.id], MESSAGE, { ttl: 60 });
    clock.ms += 61_000;
    await app.push.drain();
    expect(sink.requests).toEqual([]);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^outpost_push_expired_total 1$/m);
    expect(metrics).toMatch(/^outpost_push_queue_depth 0$/m);
  });

  it('a retry whose Retry-After passes the TTL expires the job instead', async () => {
    const app = await start();
    const bob = await signUp(app);
    await subscribed(app, bob);
    sink.answer = () => ({ status: 429, headers: { 'retry-after': '120' } });
    await app.push.notify([bob.id], MESSAGE, { ttl: 60 });
    await app.push.drain();
    expect(sink.requests).toHaveLength(1);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^outpost_push_expired_total 1$/m);
  });

  it('enqueues inside the app transaction: a rollback queues nothing, a commit queues and the worker sends', async () => {
    const store = getStore();
    const app = await start({ worker: true, pollIntervalMs: 50 });
    const bob = await signUp(app);
    await subscribed(app, bob);
    await expect(
      store.db.transaction().execute(async (trx) => {
        expect(await app.push.notify([bob.id], MESSAGE, {}, trx)).toBe(1);
        throw new Error('the chat message failed');
      }),
    ).rejects.toThrow('the chat message failed');
    await store.db.transaction().execute(async (trx) => {
      await app.push.notify([bob.id], MESSAGE, {}, trx);
    });
    const deadline = performance.now() + 5000;
    while (sink.requests.length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.requests).toHaveLength(1);
  });
});
