// bench/outbox: the outbox against Workbox 7's background-sync Queue, in one Chromium, side by side:
//   enqueue latency: Outpost's send() in the page vs Workbox's queue.pushRequest() in the worker, each until the
//                    request is stored in IndexedDB (1,000 requests, offline so nothing is sent yet);
//   replay throughput: from going online until the server has received all 1,000 requests, replayed by each
//                    one's sync event, one request at a time, in order.
// Each variant runs on its own origin and a fresh browser context per round; rounds alternate between the
// variants and each number is the median over rounds (the machine is shared).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/harness/chromium-launch.js';
import { bundleWorker } from '../worker-bundle.js';

const ITEMS = Number(process.env.BENCH_OUTBOX_ITEMS ?? 1000);
const ROUNDS = Number(process.env.BENCH_OUTBOX_ROUNDS ?? 3);
const VARIANTS = ['outpost', 'workbox'] as const;
type Variant = (typeof VARIANTS)[number];

const file = (name: string) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));

const bundle = (entry: string) => bundleWorker(file(entry));

/** One origin: the page, its scripts, and POST /api/effects counting what arrives. */
interface Origin {
  url: string;
  server: Server;
  received: number;
  /** Resolves when `count` requests have arrived since the last reset. */
  arrived(count: number): Promise<void>;
  reset(): void;
}

async function serve(page: string, worker: string): Promise<Origin> {
  let waiter: { count: number; resolve: () => void } | null = null;
  const origin: Origin = {
    url: '',
    server: createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>bench</title><script src="/page.js"></script>');
      } else if (req.url === '/page.js' || req.url === '/sw.js') {
        res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
        res.end(req.url === '/page.js' ? page : worker);
      } else if (req.url === '/api/effects' && req.method === 'POST') {
        req.resume();
        req.on('end', () => {
          origin.received++;
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
          if (waiter && origin.received >= waiter.count) {
            waiter.resolve();
            waiter = null;
          }
        });
      } else {
        res.writeHead(404).end();
      }
    }),
    received: 0,
    arrived(count) {
      return origin.received >= count
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiter = { count, resolve };
          });
    },
    reset() {
      origin.received = 0;
    },
  };
  await new Promise<void>((resolve) => origin.server.listen(0, '127.0.0.1', resolve));
  origin.url = `http://127.0.0.1:${(origin.server.address() as AddressInfo).port}/`;
  return origin;
}

interface RoundResult {
  enqueue: number[];
  replayMs: number;
}

const CONTROLLED = `(async () => {
  await navigator.serviceWorker.register('/sw.js');
  await new Promise((resolve, reject) => {
    if (navigator.serviceWorker.controller) return resolve();
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve());
    setTimeout(() => reject(new Error('no controller after 15 s')), 15000);
  });
})()`;

async function round(browser: Browser, origin: Origin): Promise<RoundResult> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Browser.grantPermissions', { origin: new URL(origin.url).origin, permissions: ['backgroundSync'] });
    await page.goto(origin.url);
    await page.evaluate(CONTROLLED);
    origin.reset();
    await context.setOffline(true);
    const enqueue = (await page.evaluate(`globalThis.bench.enqueue(${ITEMS})`)) as number[];
    if (origin.received !== 0) throw new Error(`${origin.received} requests arrived while offline`);
    const arrived = origin.arrived(ITEMS);
    const start = performance.now();
    await context.setOffline(false);
    await Promise.race([
      arrived,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`replay incomplete: ${origin.received}`)), 120_000)),
    ]);
    const replayMs = performance.now() - start;
    if (origin.received !== ITEMS) throw new Error(`expected ${ITEMS} requests, got ${origin.received}`);
    return { enqueue, replayMs };
  } finally {
    await context.close();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const fmt = (value: number, digits = 2) => value.toFixed(digits);

async function main(): Promise<void> {
  const scripts = {
    outpost: { page: await bundle('outpost-page.js'), worker: await bundle('outpost-sw.js') },
    workbox: { page: await bundle('workbox-page.js'), worker: await bundle('workbox-sw.js') },
  };
  const origins = {
    outpost: await serve(scripts.outpost.page, scripts.outpost.worker),
    workbox: await serve(scripts.workbox.page, scripts.workbox.worker),
  };
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  const results: Record<Variant, RoundResult[]> = { outpost: [], workbox: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) results[variant].push(await round(browser, origins[variant]));
    }
  } finally {
    await browser.close();
    for (const origin of Object.values(origins)) origin.server.close();
  }

  console.log(`outbox: ${ITEMS} requests, Chromium, median of ${ROUNDS} rounds (each a fresh context)`);
  console.log('variant   enqueue p50 ms  p95 ms  mean ms   replay s  replay req/s  worker gzip');
  const rows: Record<Variant, { p50: number; perSecond: number }> = {} as never;
  for (const variant of VARIANTS) {
    const rounds = results[variant];
    const p50 = median(rounds.map((x) => percentile(x.enqueue, 50)));
    const p95 = median(rounds.map((x) => percentile(x.enqueue, 95)));
    const mean = median(rounds.map((x) => x.enqueue.reduce((sum, v) => sum + v, 0) / x.enqueue.length));
    const replayMs = median(rounds.map((x) => x.replayMs));
    const perSecond = ITEMS / (replayMs / 1000);
    const gzip = gzipSync(scripts[variant].worker).length;
    rows[variant] = { p50, perSecond };
    console.log(
      `${variant.padEnd(9)} ${fmt(p50).padStart(14)} ${fmt(p95).padStart(7)} ${fmt(mean).padStart(8)} ` +
        `${fmt(replayMs / 1000).padStart(10)} ${fmt(perSecond, 0).padStart(13)} ${`${(gzip / 1024).toFixed(1)} KB`.padStart(12)}`,
    );
  }
  console.log(
    `ratios outpost/workbox: enqueue p50 x${fmt(rows.outpost.p50 / rows.workbox.p50)}, ` +
      `replay throughput x${fmt(rows.outpost.perSecond / rows.workbox.perSecond)}`,
  );
}

await main();
