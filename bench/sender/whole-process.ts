// bench/sender, whole processes: what users get, start-up included. `outpost send --subscriptions` on an NDJSON
// file against a web-push 3.6.7 script reading the same file, both as fresh Node processes sending the same
// payload to the same HTTPS sink (its own process) at the same concurrency, alternated so load drift hits both.
// Then start-up alone: `outpost vapid` against `web-push generate-vapid-keys`, alternated.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the whole-process runs need from bench/sender's set-up. */
export interface WholeProcessInput {
  dir: string;
  /** The sink's CA certificate (PEM), trusted by both senders through NODE_EXTRA_CA_CERTS. */
  ca: string;
  origin: string;
  users: ReadonlyArray<{ p256dh: string; auth: string }>;
  vapid: { publicKey: string; privateKey: string };
  payload: string;
  messages: number;
  concurrency: number;
  rounds: number;
  /** Resets the sink's counters and says how many messages it received since the last call. */
  sinkReceived(): Promise<number>;
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const root = new URL('../../', import.meta.url).pathname;
const outpostBin = join(root, 'packages/cli/bin/outpost.js');
const webPushBin = join(root, 'node_modules/web-push/src/cli.js');
const webPushScript = new URL('web-push-send.mjs', import.meta.url).pathname;

/**
 * Runs a command to its exit under /usr/bin/time; resolves with wall milliseconds (spawn to exit), the CPU
 * milliseconds of the process and all its threads (user + system: less swayed than wall time by other load on
 * a shared machine), and its stdout.
 */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; cpuMs: number; stdout: string }> {
  const timeFile = join(tmpdir(), `outpost-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%U %S', process.execPath, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  return once(child, 'close').then(([code]) => {
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
    const [user = 0, system = 0] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
    rmSync(timeFile, { force: true });
    return { ms, cpuMs: (user + system) * 1000, stdout };
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Runs the whole-process comparison and the start-up comparison, printing both; returns the medians. */
export async function wholeProcess(input: WholeProcessInput): Promise<{ ratio: number; startupRatio: number }> {
  const file = join(input.dir, 'whole-process.ndjson');
  const out = createWriteStream(file);
  for (let i = 0; i < input.messages; i++) {
    const u = input.users[i % input.users.length];
    if (!u) throw new Error('no users');
    const line = `${JSON.stringify({ endpoint: `${input.origin}/wpush/v2/w${i}`, keys: { p256dh: u.p256dh, auth: u.auth } })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  await new Promise<void>((resolve) => out.end(resolve));
  const vapidFile = join(input.dir, 'vapid.json');
  writeFileSync(vapidFile, JSON.stringify(input.vapid));
  const caFile = join(input.dir, 'ca.pem');
  writeFileSync(caFile, input.ca);
  // No TypeScript loader in the children: both run as published JavaScript.
  const { NODE_OPTIONS: _loader, ...inherited } = process.env;
  const env = { ...inherited, NODE_EXTRA_CA_CERTS: caFile };

  const ours = [
    outpostBin,
    'send',
    '--subscriptions',
    file,
    '--payload',
    input.payload,
    '--vapid',
    vapidFile,
    '--subject',
    'mailto:bench@example.com',
    '--ttl',
    '3600',
    '--concurrency',
    String(input.concurrency),
  ];
  const theirs = [webPushScript, file, vapidFile, input.payload, String(input.concurrency)];
  console.log(
    `\nwhole processes, start-up included: ${fmt(input.messages)} messages from an NDJSON file, concurrency ` +
      `${input.concurrency}, same sink, alternated ${input.rounds} times`,
  );
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  await input.sinkReceived();
  for (let round = 0; round < input.rounds; round++) {
    const a = await timed(ours, env);
    const aSummary = JSON.parse(a.stdout) as { delivered: number };
    const aReceived = await input.sinkReceived();
    const b = await timed(theirs, env);
    const bSummary = JSON.parse(b.stdout) as { delivered: number };
    const bReceived = await input.sinkReceived();
    for (const [who, delivered, received] of [
      ['outpost send', aSummary.delivered, aReceived],
      ['web-push', bSummary.delivered, bReceived],
    ] as const) {
      if (delivered !== input.messages || received !== input.messages) {
        throw new Error(`${who} delivered ${delivered}, the sink received ${received} of ${input.messages}`);
      }
    }
    oursMs.push(a.ms);
    theirsMs.push(b.ms);
    oursCpu.push(a.cpuMs);
    theirsCpu.push(b.cpuMs);
    console.log(
      `round ${round + 1}/${input.rounds}: outpost send ${fmt(a.ms)} ms (${fmt(input.messages / (a.ms / 1000))} msgs/s, ` +
        `CPU ${fmt(a.cpuMs)} ms), web-push script ${fmt(b.ms)} ms (${fmt(input.messages / (b.ms / 1000))} msgs/s, ` +
        `CPU ${fmt(b.cpuMs)} ms), ${(b.ms / a.ms).toFixed(2)}x`,
    );
  }
  const ratios = oursMs.map((ms, i) => (theirsMs[i] ?? 0) / ms);
  const ratio = median(ratios);
  console.log(
    `whole process, outpost send / web-push = ${ratio.toFixed(2)}x median ` +
      `(${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x) (target >= 5x); ` +
      `CPU per message ${fmt((median(oursCpu) * 1000) / input.messages)} µs vs ` +
      `${fmt((median(theirsCpu) * 1000) / input.messages)} µs (${(median(theirsCpu) / median(oursCpu)).toFixed(2)}x less)`,
  );

  // Start-up alone: a command that does almost nothing after loading.
  const startupRounds = 10;
  const vapidOurs: number[] = [];
  const vapidTheirs: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < startupRounds; i++) {
    vapidOurs.push((await timed([outpostBin, 'vapid'], env)).ms);
    vapidTheirs.push((await timed([webPushBin, 'generate-vapid-keys', '--json'], env)).ms);
    help.push((await timed([outpostBin, '--help'], env)).ms);
  }
  const startupRatio = median(vapidTheirs) / median(vapidOurs);
  console.log(
    `start-up, median of ${startupRounds} alternated: outpost vapid ${fmt(median(vapidOurs))} ms, ` +
      `web-push generate-vapid-keys ${fmt(median(vapidTheirs))} ms (${startupRatio.toFixed(2)}x; target >= 1x), ` +
      `outpost --help ${fmt(median(help))} ms`,
  );
  return { ratio, startupRatio };
}
