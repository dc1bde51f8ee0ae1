// bench/push-service: the push service's memory per idle connection, end-to-end durable messages/s
// (POST -> delivered -> acked, ack committed) and POST-to-delivery latency at a fixed rate.
// The service runs in its own process (service.ts); this process is the load: user agents and app servers.
// Anchor: the Rust autopush prototype's published ~10 KB per connected client.
// BENCH_PUSH_BASELINE=<root of another checkout> (e.g. a `git worktree` of main, with node_modules whose @outpost
// links point into it) also runs that checkout's service in the same run: memory per idle connection, then durable
// end-to-end rounds alternating between the two, each printed beside the other with the ratio.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateVapidKeys, type VapidKeys, vapidAuthorization } from '@outpost/webpush';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const IDLE_CONNECTIONS = Number(process.env.BENCH_PUSH_CONNECTIONS ?? 10_000);
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_PUSH_MESSAGES ?? 10_000);
const THROUGHPUT_ROUNDS = 5;
const THROUGHPUT_AGENTS = 200;
const POST_CONCURRENCY = Number(process.env.BENCH_PUSH_CONCURRENCY ?? 256);
const LATENCY_RATE = 500; // messages per second
const LATENCY_SECONDS = 6;
const TARGET_BYTES_PER_CONNECTION = 10 * 1024;
const TARGET_MESSAGES_PER_SECOND = 3000;
// The service pings connections idle this long (service.ts passes it); the memory reading waits past two pings so
// the ping machinery is part of what is measured.
const PING_MS = Number(process.env.BENCH_PUSH_PING_MS ?? 5000);
const BASELINE = process.env.BENCH_PUSH_BASELINE;
const MEMORY_READINGS = 3;

/** The element whose `key` is the median. */
function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no readings');
  return middle;
}

interface ServiceProcess {
  url: string;
  wsUrl: string;
  pid: number;
  ask<T>(kind: 'memory' | 'stored' | 'connections' | 'fsync'): Promise<T>;
  stop(): Promise<void>;
}

async function startService(
  db: string,
  durability: 'full' | 'normal',
  checkout: string = root,
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(process.env.BENCH_PUSH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PUSH_PROFILE}`] : []),
      '--import',
      'tsx',
      '--conditions=@outpost/source',
      checkout === root
        ? (process.env.BENCH_PUSH_SERVICE ?? join(here, 'service.ts'))
        : join(checkout, 'bench', 'push-service', 'service.ts'),
      db,
      durability,
    ],
    {
      cwd: checkout,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_PUSH_PING_MS: String(PING_MS) },
    },
  );
  const { stdout, pid } = child;
  if (!stdout || pid === undefined) throw new Error('service child did not start (no pid or no stdout pipe)');
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`service exited (${code}) before listening`)));
  });
  const { url, wsUrl } = JSON.parse(line) as { url: string; wsUrl: string };
  let next = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  child.on('message', (m: { id: number; value: unknown }) => waiting.get(m.id)?.(m.value));
  return {
    url,
    wsUrl,
    pid,
    ask<T>(kind: 'memory' | 'stored' | 'connections' | 'fsync') {
      const id = next++;
      return new Promise<T>((resolve) => {
        waiting.set(id, (v) => resolve(v as T));
        child.send({ id, kind });
      });
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await exited;
    },
  };
}

/** Resident memory of a process, from /proc (includes native socket buffers, unlike the V8 heap). */
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kB === undefined) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Number(kB) * 1024;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  // The command name in parentheses may contain spaces; the numeric fields start after its closing ') '.
  const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1];
  if (after === undefined) throw new Error(`unreadable /proc/${pid}/stat`);
  const fields = after.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A minimal user agent: hello, then (optionally) register, acking every notification at once. */
class LoadAgent {
  endpoint = '';
  private constructor(readonly ws: WebSocket) {}

  static async connect(wsUrl: string, localAddress: string): Promise<LoadAgent> {
    const ws = new WebSocket(wsUrl, 'push-notification', { localAddress, perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const agent = new LoadAgent(ws);
    await agent.request({ messageType: 'hello', use_webpush: true, broadcasts: {} }, 'hello');
    return agent;
  }

  request(message: Record<string, unknown>, type: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        const m = JSON.parse(data.toString()) as Record<string, unknown>;
        if (m.messageType !== type) return;
        this.ws.off('message', onMessage);
        resolve(m);
      };
      this.ws.on('message', onMessage);
      this.ws.send(JSON.stringify(message));
    });
  }

  /** Subscribes restricted to the bench's VAPID key, as a browser does with an applicationServerKey. */
  async register(): Promise<void> {
    const key = `${vapid.publicKey}=`; // 65 bytes are 87 base64url characters; Firefox pads them
    const reply = await this.request({ messageType: 'register', channelID: crypto.randomUUID(), key }, 'register');
    this.endpoint = String(reply.pushEndpoint);
  }

  /** Acks each notification and reports the sequence number the bench wrote into its body. */
  onNotification(received: (seq: number) => void): void {
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as {
        messageType: string;
        channelID: string;
        version: string;
        data?: string;
      };
      if (m.messageType !== 'notification') return;
      this.ws.send(
        JSON.stringify({ messageType: 'ack', updates: [{ channelID: m.channelID, version: m.version, code: 100 }] }),
      );
      if (m.data === undefined) throw new Error('the benchmark only sends notifications with a body');
      received(Buffer.from(m.data, 'base64url').readUInt32BE(BODY_SEQ_OFFSET));
    });
  }
}

// The service never decrypts: a body with a valid aes128gcm header (RFC 8188) and a sequence number inside the
// record is all it needs, and lets the load side match deliveries to POSTs without decrypting.
const BODY_SEQ_OFFSET = 86;
function body(seq: number): Buffer {
  const b = Buffer.alloc(200, 7);
  b.writeUInt32BE(4096, 16);
  b[20] = 65;
  b.writeUInt32BE(seq, BODY_SEQ_OFFSET);
  return b;
}

// One application server: one VAPID key, one JWT per push-service origin (as senders cache it).
const vapid: VapidKeys = await generateVapidKeys();
const authorizations = new Map<string, string>();
async function authorizationFor(endpoint: string): Promise<string> {
  const origin = new URL(endpoint).origin;
  let header = authorizations.get(origin);
  if (!header) {
    header = await vapidAuthorization(endpoint, { keys: vapid, subject: 'mailto:bench@outpost.test' });
    authorizations.set(origin, header);
  }
  return header;
}

const httpAgent = new Agent({ keepAlive: true, maxSockets: POST_CONCURRENCY });
async function post(endpoint: string, seq: number): Promise<number> {
  const authorization = await authorizationFor(endpoint);
  return new Promise((resolve, reject) => {
    const payload = body(seq);
    const req = request(
      endpoint,
      {
        method: 'POST',
        agent: httpAgent,
        headers: {
          TTL: '3600',
          'Content-Encoding': 'aes128gcm',
          'Content-Length': payload.length,
          Authorization: authorization,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Spread over loopback addresses: 10,000 user agents from one address would be over the per-address cap (256).
const ADDRESSES = Array.from({ length: 64 }, (_, i) => `127.0.0.${i + 1}`);

/** `items[i % items.length]`: round robin over a list that must not be empty. */
function roundRobin<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error('round robin over an empty list');
  return item;
}

async function connectMany(wsUrl: string, n: number, register: boolean): Promise<LoadAgent[]> {
  const agents: LoadAgent[] = [];
  const BATCH = 250;
  for (let i = 0; i < n; i += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, n - i) }, async (_, j) => {
        const a = await LoadAgent.connect(wsUrl, roundRobin(ADDRESSES, i + j));
        if (register) await a.register();
        return a;
      }),
    );
    agents.push(...batch);
  }
  return agents;
}

async function closeAll(agents: LoadAgent[]): Promise<void> {
  await Promise.all(
    agents.map(
      (a) =>
        new Promise<void>((resolve) => {
          a.ws.once('close', () => resolve());
          a.ws.close();
        }),
    ),
  );
}

/** One memory reading of the service with its connections idle: RSS, V8 heap in use, and off-heap buffers. */
async function settledMemory(service: ServiceProcess) {
  // Idle long enough for every connection to be pinged twice (and answer).
  await new Promise((r) => setTimeout(r, 2 * PING_MS + 1000));
  const connected = await service.ask<number>('connections');
  const usage = await service.ask<NodeJS.MemoryUsage>('memory');
  return { connected, usage, rss: rssBytes(service.pid) };
}

/**
 * Memory per idle connection, two ways: the growth from the empty service to IDLE_CONNECTIONS, divided by them
 * (the historical figure), and the growth from half of them to all of them, divided by that half (the marginal
 * cost). The second is free of fixed costs that come and go: V8's young generation is ~32 MB while the process
 * allocates and shrinks to ~2 MB after some seconds of quiet, which alone moves the first figure by ~3 KB at
 * 10,000 connections depending on whether a round of pings has just happened.
 */
async function measureMemory(service: ServiceProcess) {
  const empty = await service.ask<NodeJS.MemoryUsage>('memory');
  const emptyRss = rssBytes(service.pid);
  const started = performance.now();
  const half = Math.floor(IDLE_CONNECTIONS / 2);
  const agents = await connectMany(service.wsUrl, half, false);
  const connectSeconds = (performance.now() - started) / 1000;
  const middle = await settledMemory(service);
  agents.push(...(await connectMany(service.wsUrl, IDLE_CONNECTIONS - half, false)));
  const full = await settledMemory(service);
  await closeAll(agents);
  const added = full.connected - middle.connected;
  return {
    connected: full.connected,
    connectSeconds,
    rssPerConnection: (full.rss - emptyRss) / full.connected,
    marginalRssPerConnection: (full.rss - middle.rss) / added,
    heapPerConnection: (full.usage.heapUsed - empty.heapUsed) / full.connected,
    marginalHeapPerConnection: (full.usage.heapUsed - middle.usage.heapUsed) / added,
    externalPerConnection:
      (full.usage.external + full.usage.arrayBuffers - empty.external - empty.arrayBuffers) / full.connected,
  };
}

interface ThroughputRound {
  refused: number;
  /** Mean time of one WAL fsync in this round (0 without fsync). */
  fsyncMs: number;
  serviceCpuPerMessageMs: number;
  postPerSecond: number;
  deliveredPerSecond: number;
  endToEndPerSecond: number;
}

/**
 * Rounds of THROUGHPUT_MESSAGES each over the same user agents. Other processes share this machine, so one round
 * can land in someone else's burst: the report gives the median and the best round, and the service's CPU time
 * per message, which contention does not inflate much.
 */
async function measureThroughput(service: ServiceProcess, rounds: number): Promise<ThroughputRound[]> {
  const agents = await connectMany(service.wsUrl, THROUGHPUT_AGENTS, true);
  let delivered = 0;
  let allDelivered: () => void = () => {};
  for (const a of agents)
    a.onNotification(() => {
      if (++delivered === THROUGHPUT_MESSAGES) allDelivered();
    });
  const results: ThroughputRound[] = [];
  for (let round = 0; round < rounds; round++) {
    delivered = 0;
    const done = new Promise<void>((r) => {
      allDelivered = r;
    });
    const started = performance.now();
    const cpuBefore = cpuSeconds(service.pid);
    const fsyncBefore = await service.ask<{ count: number; totalMs: number }>('fsync');
    let nextSeq = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: POST_CONCURRENCY }, async () => {
        while (nextSeq < THROUGHPUT_MESSAGES) {
          const seq = nextSeq++;
          const status = await post(roundRobin(agents, seq).endpoint, seq);
          if (status !== 201) refused++;
        }
      }),
    );
    const posted = performance.now();
    await done;
    const deliveredAt = performance.now();
    // Durable end to end: every ack's deletion committed too.
    while ((await service.ask<number>('stored')) > 0) await new Promise((r) => setTimeout(r, 20));
    const ackedAt = performance.now();
    const cpu = cpuSeconds(service.pid) - cpuBefore;
    const fsyncAfter = await service.ask<{ count: number; totalMs: number }>('fsync');
    const fsyncs = fsyncAfter.count - fsyncBefore.count;
    results.push({
      refused,
      fsyncMs: fsyncs > 0 ? (fsyncAfter.totalMs - fsyncBefore.totalMs) / fsyncs : 0,
      serviceCpuPerMessageMs: (cpu * 1000) / THROUGHPUT_MESSAGES,
      postPerSecond: THROUGHPUT_MESSAGES / ((posted - started) / 1000),
      deliveredPerSecond: THROUGHPUT_MESSAGES / ((deliveredAt - started) / 1000),
      endToEndPerSecond: THROUGHPUT_MESSAGES / ((ackedAt - started) / 1000),
    });
  }
  await closeAll(agents);
  return results;
}

/** The round with the median end-to-end rate, and the best one. */
function summarise(rounds: ThroughputRound[]): { median: ThroughputRound; best: ThroughputRound; refused: number } {
  const sorted = [...rounds].sort((a, b) => a.endToEndPerSecond - b.endToEndPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)];
  const best = sorted.at(-1);
  if (median === undefined || best === undefined) throw new Error('no throughput rounds to summarise');
  return {
    median,
    best,
    refused: rounds.reduce((n, r) => n + r.refused, 0),
  };
}

async function measureLatency(service: ServiceProcess) {
  const agents = await connectMany(service.wsUrl, 50, true);
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const sentAt = new Float64Array(total);
  const latencies: number[] = [];
  // The executor runs at once, so every agent listens before the first POST below.
  const done = new Promise<void>((finished) => {
    for (const a of agents)
      a.onNotification((seq) => {
        const at = sentAt[seq];
        if (at === undefined) throw new Error(`notification for unknown message ${seq}`);
        latencies.push(performance.now() - at);
        if (latencies.length === total) finished();
      });
  });
  const started = performance.now();
  const posts: Promise<number>[] = [];
  for (let seq = 0; seq < total; seq++) {
    // Open-loop schedule: each message leaves at its own time, whatever the service's speed.
    const due = started + (seq * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sentAt[seq] = performance.now();
    posts.push(post(roundRobin(agents, seq).endpoint, seq));
  }
  await Promise.all(posts);
  await done;
  await closeAll(agents);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => {
    const latency = latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    if (latency === undefined) throw new Error('no latencies measured');
    return latency;
  };
  return { p50: pct(50), p99: pct(99), max: pct(100) };
}

/** Prints rows as columns: the first left-aligned, the others right-aligned. */
function printColumns(rows: string[][]): void {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  for (const r of rows)
    console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
}

/** Runs `measure` against a fresh durable service of `checkout`, then stops it. */
async function withService<T>(db: string, checkout: string, measure: (s: ServiceProcess) => Promise<T>): Promise<T> {
  const service = await startService(db, 'full', checkout);
  try {
    return await measure(service);
  } finally {
    await service.stop();
  }
}

/** The baseline checkout and this one, side by side in one run: memory, then alternating durable rounds. */
async function compareWithBaseline(baselineRoot: string, dir: string): Promise<void> {
  const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;
  // A fresh process for every memory reading: a second reading in the same process would start from the memory
  // the first one's connections left to the allocators. Three alternating readings of each; the medians compare.
  const oldReadings: Awaited<ReturnType<typeof measureMemory>>[] = [];
  const newReadings: Awaited<ReturnType<typeof measureMemory>>[] = [];
  for (let i = 0; i < MEMORY_READINGS; i++) {
    oldReadings.push(await withService(join(dir, `baseline-memory-${i}.db`), baselineRoot, measureMemory));
    newReadings.push(await withService(join(dir, `current-memory-${i}.db`), root, measureMemory));
  }
  const old = await startService(join(dir, 'baseline.db'), 'full', baselineRoot);
  const now = await startService(join(dir, 'current.db'), 'full');
  try {
    type Reading = (typeof oldReadings)[number];
    const median = (rs: Reading[], key: (m: Reading) => number) => key(medianBy(rs, key));
    const range = (rs: Reading[], key: (m: Reading) => number) =>
      `${kb(Math.min(...rs.map(key)))}–${kb(Math.max(...rs.map(key)))}`;
    const memoryRow = (label: string, key: (m: Reading) => number): string[] => {
      const n = median(newReadings, key);
      const o = median(oldReadings, key);
      return [label, kb(n), kb(o), (n / o).toFixed(2)];
    };
    const connected = `${median(newReadings, (m) => m.connected)} / ${median(oldReadings, (m) => m.connected)} UAs`;
    const oldRounds: ThroughputRound[] = [];
    const newRounds: ThroughputRound[] = [];
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      oldRounds.push(...(await measureThroughput(old, 1)));
      newRounds.push(...(await measureThroughput(now, 1)));
    }
    const o = summarise(oldRounds);
    const n = summarise(newRounds);
    const rate = (r: number) => `${Math.round(r).toLocaleString('en-US')} msg/s`;
    const rssFromEmpty = (m: Reading) => m.rssPerConnection;
    const rssMarginal = (m: Reading) => m.marginalRssPerConnection;
    const rows: string[][] = [
      ['', 'this checkout', `baseline (${baselineRoot})`, 'ratio'],
      memoryRow(`memory per idle connection, RSS from the empty service (${connected})`, rssFromEmpty),
      [
        `  range of ${MEMORY_READINGS} readings`,
        range(newReadings, rssFromEmpty),
        range(oldReadings, rssFromEmpty),
        '',
      ],
      memoryRow(`  marginal RSS, ${IDLE_CONNECTIONS / 2} -> ${IDLE_CONNECTIONS} UAs`, rssMarginal),
      [`  range of ${MEMORY_READINGS} readings`, range(newReadings, rssMarginal), range(oldReadings, rssMarginal), ''],
      memoryRow('  live V8 heap per connection', (m) => m.heapPerConnection),
      memoryRow('  marginal live V8 heap', (m) => m.marginalHeapPerConnection),
      [
        `end-to-end durable, median of ${THROUGHPUT_ROUNDS} alternating rounds`,
        rate(n.median.endToEndPerSecond),
        rate(o.median.endToEndPerSecond),
        (n.median.endToEndPerSecond / o.median.endToEndPerSecond).toFixed(2),
      ],
      [
        '  best round',
        rate(n.best.endToEndPerSecond),
        rate(o.best.endToEndPerSecond),
        (n.best.endToEndPerSecond / o.best.endToEndPerSecond).toFixed(2),
      ],
      [
        '  service CPU per message (median round)',
        `${n.median.serviceCpuPerMessageMs.toFixed(3)} ms`,
        `${o.median.serviceCpuPerMessageMs.toFixed(3)} ms`,
        (n.median.serviceCpuPerMessageMs / o.median.serviceCpuPerMessageMs).toFixed(2),
      ],
    ];
    console.log(`push service, this checkout vs baseline in one run; pings every ${PING_MS / 1000} s of silence`);
    printColumns(rows);
    if (o.refused + n.refused > 0) process.exitCode = 1;
  } finally {
    await Promise.all([old.stop(), now.stop()]);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-push-'));
try {
  if (BASELINE) await compareWithBaseline(BASELINE, dir);
  else {
    const fullService = await startService(join(dir, 'full.db'), 'full');
    const memory = await measureMemory(fullService);
    const full = summarise(await measureThroughput(fullService, THROUGHPUT_ROUNDS));
    const latency = await measureLatency(fullService);
    await fullService.stop();
    const normalService = await startService(join(dir, 'normal.db'), 'normal');
    const normal = summarise(await measureThroughput(normalService, 3));
    await normalService.stop();

    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    const rate = (r: number) => `${Math.round(r).toLocaleString('en-US')} msg/s`;
    const rows: [string, string, string][] = [
      [
        `memory per idle connection (RSS, ${memory.connected} UAs)`,
        kb(memory.rssPerConnection),
        'autopush (Rust): ~10 KB',
      ],
      [
        `  marginal, ${IDLE_CONNECTIONS / 2} -> ${IDLE_CONNECTIONS} UAs`,
        kb(memory.marginalRssPerConnection),
        'without the young generation coming and going',
      ],
      ['  of which V8 heap', kb(memory.heapPerConnection), ''],
      ['  of which external/array buffers', kb(memory.externalPerConnection), ''],
      [
        `end-to-end durable, 201 after WAL fsync: median of ${THROUGHPUT_ROUNDS}`,
        rate(full.median.endToEndPerSecond),
        `target >= ${TARGET_MESSAGES_PER_SECOND}`,
      ],
      ['  best round', rate(full.best.endToEndPerSecond), ''],
      ['  POSTs answered 201 (median round)', rate(full.median.postPerSecond), ''],
      [
        '  service CPU per message (median round)',
        `${full.median.serviceCpuPerMessageMs.toFixed(3)} ms`,
        `= ${rate(1000 / full.median.serviceCpuPerMessageMs)} per service core`,
      ],
      ['  mean WAL fsync (median round)', `${full.median.fsyncMs.toFixed(1)} ms`, 'on the shared disk'],
      ['end-to-end, 201 after commit without fsync: median', rate(normal.median.endToEndPerSecond), ''],
      [`POST-to-delivery latency p50 @ ${LATENCY_RATE} msg/s`, `${latency.p50.toFixed(2)} ms`, ''],
      [
        `POST-to-delivery latency p99 @ ${LATENCY_RATE} msg/s`,
        `${latency.p99.toFixed(2)} ms`,
        `max ${latency.max.toFixed(1)} ms`,
      ],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    console.log(
      `push service on ${process.platform}, Node ${process.version}; ${THROUGHPUT_MESSAGES} messages per round via ${THROUGHPUT_AGENTS} UAs, ${POST_CONCURRENCY} POSTs in flight`,
    );
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`load average during the run: ${load} (other processes share these 2 cores)`);
    console.log(
      `connect ${memory.connected} UAs: ${memory.connectSeconds.toFixed(1)} s; refused POSTs: ${full.refused + normal.refused}`,
    );
    const memoryOk = memory.rssPerConnection <= TARGET_BYTES_PER_CONNECTION;
    const throughputOk = full.median.endToEndPerSecond >= TARGET_MESSAGES_PER_SECOND;
    console.log(
      `targets: memory ${memoryOk ? 'met' : 'MISSED'}, durable throughput ${throughputOk ? 'met' : 'MISSED'}`,
    );
    if (full.refused + normal.refused > 0) process.exitCode = 1;
  }
} finally {
  httpAgent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
