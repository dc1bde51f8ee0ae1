// bench/notify: notifications/s through the durable push queue (notify -> push_jobs -> worker -> POST) against
// @outpost/webpush's sender alone (sendNotification, the call the queue's worker makes, at the same concurrency
// through one pooled client) and against the web-push library (3.6.7, sendNotification with a keep-alive agent),
// on the same messages to the same local HTTPS sink, in one run, on SQLite and on Postgres; then POST-to-push-event
// latency through the embedded push service to a virtual user agent.
//
// The machine is shared and its load drifts, so each engine runs in rounds, each round timing the four back to
// back on fresh subscriptions, each round starting with another one; the totals add the rounds up. Steady state is the rounds; the whole run adds the
// first (cold) batch of each, which pays for connections, JIT and the first statements.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VirtualUserAgent } from '@outpost/push-service';
import { accounts, type DeclarativePush, push } from '@outpost/server';
import { openStore, type Store } from '@outpost/store';
import {
  generateUserAgentKeys,
  generateVapidKeys,
  PushHttpClient,
  type PushSubscriptionJSON,
  sendNotification,
  subscriptionKeys,
} from '@outpost/webpush';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import pg from 'pg';
import webpush from 'web-push';
import type { PushTables } from '../../packages/server/src/push/tables.js';
import { selfSignedCertificate } from '../../packages/webpush/test/tls-cert.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PER_ROUND = Number(process.env.BENCH_NOTIFY_MESSAGES ?? 2000);
const ROUNDS = 3;
/** Messages per variant before the rounds: the sender alone kept speeding up over 500-message warm-ups. */
const WARM_UP = 2000;
const CONCURRENCY = 100;
/** Callers of notify at once in the queue run: chat requests arriving in parallel. */
const CALLERS = 50;
const LATENCY_RATE = 50; // messages per second
const LATENCY_SECONDS = 10;
const LATENCY_AGENTS = 10;
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** `BENCH_NOTIFY_ENGINES=postgres` (or `sqlite`) measures one engine; `BENCH_NOTIFY_LATENCY=off` skips the latency part. */
const ENGINES = (process.env.BENCH_NOTIFY_ENGINES ?? 'sqlite,postgres')
  .split(',')
  .filter((e): e is 'sqlite' | 'postgres' => e === 'sqlite' || e === 'postgres');
const LATENCY = process.env.BENCH_NOTIFY_LATENCY !== 'off';

const message: DeclarativePush = {
  web_push: 8030,
  notification: {
    title: 'Alice',
    body: 'Are we still on for Thursday? I booked the room.',
    navigate: '/chat/alice',
    tag: 'chat:alice',
  },
  app_badge: 3,
};
const payload = JSON.stringify(message);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

type Sink = { origin: string; child: ChildProcess; received(): Promise<number> };

async function startSink(tls: { cert: string; key: string }): Promise<Sink> {
  const child = fork(join(here, '..', 'sender', 'sink.ts'), {
    env: { ...process.env, SINK_TLS: JSON.stringify(tls) },
    execArgv: ['--import', 'tsx'],
  });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  return {
    origin: `https://127.0.0.1:${port}`,
    child,
    async received() {
      const reply = once(child, 'message');
      child.send({ type: 'stats' });
      child.send({ type: 'reset' });
      return ((await reply)[0] as { received: number }).received;
    },
  };
}

async function lanes<T>(concurrency: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

interface Subscriptions {
  subscriptions: PushSubscriptionJSON[];
}

async function makeSubscriptions(origin: string, n: number, tag: string): Promise<Subscriptions> {
  const subscriptions: PushSubscriptionJSON[] = [];
  for (let i = 0; i < n; i++) {
    const keys = subscriptionKeys(await generateUserAgentKeys());
    subscriptions.push({ endpoint: `${origin}/wpush/${tag}/${i}`, keys });
  }
  return { subscriptions };
}

/** Stores each subscription for its own account `<tag>-<i>` and returns the account ids. */
async function storeSubscriptions(store: Store, set: Subscriptions, tag: string): Promise<string[]> {
  const db = store.db as Kysely<PushTables>;
  const now = Date.now();
  const rows = set.subscriptions.map((s, i) => ({
    id: `${tag}-${i}`,
    endpoint: s.endpoint,
    account_id: `${tag}-${i}`,
    p256dh: s.keys.p256dh,
    auth: s.keys.auth,
    expiration_time: null,
    created_at: now,
    updated_at: now,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('push_subscriptions')
      .values(rows.slice(i, i + 500))
      .execute();
  return rows.map((r) => r.account_id);
}

async function appFor(
  store: Store,
  options: { origin: string; ca?: string; worker: boolean },
  routes: (app: FastifyInstance) => void = () => {},
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(accounts, { store, rateLimit: false });
  await app.register(push, {
    store,
    worker: options.worker,
    concurrency: CONCURRENCY,
    pollIntervalMs: 1000,
    allowedOrigins: [options.origin],
    ...(options.ca ? { http: { ca: options.ca } } : {}),
  });
  routes(app);
  await app.ready();
  return app;
}

async function sentTotal(app: FastifyInstance): Promise<number> {
  const metric = app.push.metrics.getSingleMetric('outpost_push_sent_total');
  if (!metric) throw new Error('no outpost_push_sent_total');
  return (await metric.get()).values[0]?.value ?? 0;
}

/** One engine: sender alone vs the queue, in rounds. */
async function throughput(engine: 'sqlite' | 'postgres', sink: Sink, tls: { cert: string }): Promise<number> {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-notify-'));
    store = await openStore({ url: join(dir, 'app.db') });
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const schema = `bench_notify_${randomBytes(4).toString('hex')}`;
    store = await openStore({ url: DATABASE_URL, schema });
    cleanup = async () => {
      await store.close();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    };
  }
  const app = await appFor(store, { origin: sink.origin, ca: tls.cert, worker: true });
  const vapid = { keys: await generateVapidKeys(), subject: 'mailto:bench@example.com' };
  const client = new PushHttpClient({ ca: tls.cert });
  const totals = { sender: 0, webpush: 0, queue: 0, inTransaction: 0 };
  webpush.setVapidDetails(vapid.subject, vapid.keys.publicKey, vapid.keys.privateKey);
  const agent = new https.Agent({ keepAlive: true, ca: tls.cert });

  const runSender = async (set: Subscriptions) => {
    const started = performance.now();
    await lanes(CONCURRENCY, set.subscriptions, async (s) => {
      const r = await sendNotification(s, payload, { vapid, ttl: 3600, client });
      if (r.result !== 'delivered') throw new Error(`sender: ${r.result}`);
    });
    const ms = performance.now() - started;
    if ((await sink.received()) !== set.subscriptions.length) throw new Error('the sink missed messages');
    return ms;
  };
  const runWebPush = async (set: Subscriptions) => {
    const started = performance.now();
    await lanes(CONCURRENCY, set.subscriptions, async (s) => {
      const r = await webpush.sendNotification(s, payload, { TTL: 3600, agent });
      if (r.statusCode !== 201) throw new Error(`web-push: ${r.statusCode}`);
    });
    const ms = performance.now() - started;
    if ((await sink.received()) !== set.subscriptions.length) throw new Error('the sink missed messages');
    return ms;
  };
  const runQueue = async (accountIds: string[], inTransaction = false) => {
    const sentBefore = await sentTotal(app);
    const started = performance.now();
    // Each notification is one notify call. The headline run calls it outside a transaction (calls that arrive
    // together share one INSERT … SELECT); `inTransaction` runs each in a transaction of its own, as
    // an app that commits the chat message with it does (BEGIN, INSERT … SELECT, COMMIT: the app's round trips).
    await lanes(CALLERS, accountIds, async (id) => {
      if (inTransaction) {
        await store.db.transaction().execute((trx) => app.push.notify([id], message, { ttl: 3600 }, trx));
      } else {
        await app.push.notify([id], message, { ttl: 3600 });
      }
    });
    // Done when the worker has sent them all (its counter, so the wait adds no queries of its own).
    while ((await sentTotal(app)) < sentBefore + accountIds.length) await new Promise((r) => setTimeout(r, 2));
    const ms = performance.now() - started;
    const received = await sink.received();
    if (received !== accountIds.length) throw new Error(`the queue delivered ${received} of ${accountIds.length}`);
    return ms;
  };

  // The cold batch of each (JIT, TLS connections, the worker's first statements): counted in the whole run only.
  const cold = {
    sender: await runSender(await makeSubscriptions(sink.origin, WARM_UP, `${engine}-warm-s`)),
    webpush: await runWebPush(await makeSubscriptions(sink.origin, WARM_UP, `${engine}-warm-w`)),
    queue: 0,
  };
  const warm = await makeSubscriptions(sink.origin, WARM_UP, `${engine}-warm-q`);
  cold.queue = await runQueue(await storeSubscriptions(store, warm, `${engine}-warm-q`));

  for (let round = 0; round < ROUNDS; round++) {
    const forSender = await makeSubscriptions(sink.origin, PER_ROUND, `${engine}-s${round}`);
    const forQueue = await makeSubscriptions(sink.origin, PER_ROUND, `${engine}-q${round}`);
    const ids = await storeSubscriptions(store, forQueue, `${engine}-q${round}`);
    const forWebPush = await makeSubscriptions(sink.origin, PER_ROUND, `${engine}-w${round}`);
    const forTransactions = await makeSubscriptions(sink.origin, PER_ROUND, `${engine}-t${round}`);
    const idsInTransaction = await storeSubscriptions(store, forTransactions, `${engine}-t${round}`);
    // Each round starts with another variant, so JIT warm-up and load drift fall on all four alike.
    const runs: Record<'s' | 'w' | 'q' | 't', () => Promise<number>> = {
      s: () => runSender(forSender),
      w: () => runWebPush(forWebPush),
      q: () => runQueue(ids),
      t: () => runQueue(idsInTransaction, true),
    };
    const order = (['s', 'w', 'q', 't'] as const).map((_, i, all) => all[(i + round) % all.length] ?? 's');
    const timed = { s: 0, w: 0, q: 0, t: 0 };
    for (const variant of order) timed[variant] = await runs[variant]();
    const { s, w, q, t } = timed;
    totals.sender += s;
    totals.webpush += w;
    totals.queue += q;
    totals.inTransaction += t;
    console.log(
      `${engine} round ${round + 1}/${ROUNDS}: sender ${fmt(PER_ROUND / (s / 1000))}/s, ` +
        `web-push ${fmt(PER_ROUND / (w / 1000))}/s, queue ${fmt(PER_ROUND / (q / 1000))}/s, ` +
        `queue with notify in a transaction ${fmt(PER_ROUND / (t / 1000))}/s`,
    );
  }
  await app.close();
  await client.close();
  await cleanup();
  agent.destroy();
  const n = PER_ROUND * ROUNDS;
  const rate = (ms: number) => n / (ms / 1000);
  const steady = { sender: rate(totals.sender), webpush: rate(totals.webpush), queue: rate(totals.queue) };
  const wholeRate = (key: keyof typeof cold) => (n + WARM_UP) / ((totals[key] + cold[key]) / 1000);
  const whole = { sender: wholeRate('sender'), webpush: wholeRate('webpush'), queue: wholeRate('queue') };
  const x = (r: number) => `${r.toFixed(2)}x`;
  console.log(
    `| ${engine} | ${fmt(steady.queue)} | ${fmt(steady.sender)} | ${fmt(steady.webpush)} | ` +
      `**${x(steady.queue / steady.sender)}** | ${x(steady.queue / steady.webpush)} | ` +
      `${x(whole.queue / whole.sender)} | ${x(whole.queue / whole.webpush)} | ` +
      `${fmt(rate(totals.inTransaction))} | ${x(rate(totals.inTransaction) / steady.sender)} |`,
  );
  return steady.queue / steady.sender;
}

/** POST (a chat message: transaction + notify) -> queue -> embedded push service -> virtual UA's decrypted push. */
async function latency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-notify-ps-'));
  const service = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@outpost/source',
      join(here, '..', 'push-service', 'service.ts'),
      join(dir, 'push.db'),
      'full',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  const stdout = service.stdout;
  if (!stdout) throw new Error('push service has no stdout');
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', resolve);
    service.once('exit', (code) => reject(new Error(`push service exited (${code})`)));
  });
  const { url, wsUrl } = JSON.parse(line) as { url: string; wsUrl: string };
  const store = await openStore({ url: join(dir, 'app.db') });
  const app = await appFor(store, { origin: new URL(url).origin, worker: true }, (app) => {
    app.post('/chat', async (request) => {
      const { to, text } = request.body as { to: string; text: string };
      await store.db
        .transaction()
        .execute((trx) =>
          app.push.notify(
            [to],
            { ...message, notification: { ...message.notification, body: text } },
            { ttl: 60 },
            trx,
          ),
        );
      return { ok: true };
    });
  });
  const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const db = store.db as Kysely<PushTables>;
  // Several user agents (one per account): one UA's messages go through the push service one ack at a time.
  const agents = await Promise.all(Array.from({ length: LATENCY_AGENTS }, () => VirtualUserAgent.connect(wsUrl)));
  for (const [i, ua] of agents.entries()) {
    const subscription = await ua.subscribe({ applicationServerKey: app.push.publicKey });
    const now = Date.now();
    await db
      .insertInto('push_subscriptions')
      .values({
        id: `ua-${i}`,
        endpoint: subscription.endpoint,
        account_id: `account-${i}`,
        p256dh: subscription.keys.p256dh,
        auth: subscription.keys.auth,
        expiration_time: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const perAgent = total / LATENCY_AGENTS;
  const receiving = agents.map(async (ua) => {
    for (let n = 0; n < perAgent; n++) {
      const m = await ua.nextMessage(30_000);
      const received = performance.now();
      const body = (JSON.parse(m.text ?? '{}') as DeclarativePush).notification?.body ?? '';
      const t = sentAt.get(body);
      if (t !== undefined) latencies.push(received - t);
    }
  });
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const text = `message ${i}`;
    sentAt.set(text, performance.now());
    void fetch(`${appUrl}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: `account-${i % LATENCY_AGENTS}`, text }),
    }).then((r) => {
      if (!r.ok) throw new Error(`chat POST ${r.status}`);
    });
  }
  await Promise.all(receiving);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  console.log(
    `\nPOST -> push event at ${LATENCY_RATE}/s for ${LATENCY_SECONDS} s to ${LATENCY_AGENTS} virtual UAs (${latencies.length} messages; ` +
      'the POST commits the notification in a transaction on a SQLite app store; embedded push service on SQLite with ' +
      `durability full; the UA decrypts): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
  );
  const histogram = app.push.metrics.getSingleMetric('outpost_push_send_duration_seconds');
  const values = histogram ? (await histogram.get()).values : [];
  // A histogram's values carry `metricName` (bucket, sum, count); the generic Metric type does not say so.
  const named = (name: string) => values.find((v) => 'metricName' in v && v.metricName === name)?.value;
  const sum = named('outpost_push_send_duration_seconds_sum') ?? 0;
  const count = named('outpost_push_send_duration_seconds_count') ?? 1;
  console.log(
    `  of which the send (encrypt + POST until the push service answers 201): mean ${((sum / count) * 1000).toFixed(1)} ms`,
  );
  for (const ua of agents) await ua.close();
  await app.close();
  await store.close();
  const exited = once(service, 'exit');
  service.disconnect();
  await exited;
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const tls = selfSignedCertificate();
  const sink = await startSink(tls);
  console.log(
    `${fmt(PER_ROUND)} messages x ${ROUNDS} rounds per engine, ${payload.length}-byte declarative payload, ` +
      `${CONCURRENCY} sends in flight, ${CALLERS} concurrent notify callers; sink ${sink.origin} in its own process`,
  );
  const rows: string[] = [];
  const log = console.log;
  console.log = (line: string) => {
    if (line.startsWith('|')) rows.push(line);
    else log(line);
  };
  const ratios: { engine: string; ratio: number }[] = [];
  try {
    for (const engine of ENGINES) {
      ratios.push({ engine, ratio: await throughput(engine, sink, tls) });
    }
  } finally {
    console.log = log;
  }
  console.log(
    '\n| engine | queue notifications/s | @outpost/webpush sender alone /s | web-push 3.6.7 /s | queue / sender | ' +
      'queue / web-push | whole run: queue / sender | whole run: queue / web-push | ' +
      'queue, notify in a transaction /s | in a transaction / sender |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  const verdicts = ratios.map(({ engine, ratio }) => `${engine} ${ratio >= 0.8 ? 'met' : 'NOT met'}`);
  console.log(`\ntarget: queue >= 0.8x the sender alone (steady state): ${verdicts.join(', ')}`);
  sink.child.disconnect();
  if (LATENCY) await latency();
}

await main();
