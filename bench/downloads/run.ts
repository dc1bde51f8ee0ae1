// bench/downloads: the downloads capability in Chromium, side by side with its anchors in one run, every file
// from the same local HTTP server:
//   throughput: a 64 MiB file downloaded by createDownloads forced onto the fallback (a streamed fetch written
//               to IndexedDB in 4 MiB chunks, its default for this size, the next read while one commits) vs a
//               plain fetch() + response.blob() of the same file, and vs the floor of that design without the
//               library (the stream gathered, as the fallback does, into Blobs of the same size, each put in IndexedDB while the next
//               is read; no records, no resume), which tells the design's cost from the library's; vs the
//               ceiling of any streamed design (the body read in the page and dropped: nothing stored); and
//               the floor's other storage (the stream cut into parts, each handed to cache.put as a stream);
//   heap:       the peak JS heap of the page while the fallback downloads a 256 MiB file, next to the same
//               fetch() + blob() anchor, sampled over CDP (Runtime.getHeapUsage: V8's used heap, and apart the
//               backing stores of ArrayBuffers, where stream chunks live);
//   seek:       a closed 64 KiB Range in the middle of the 64 MiB file, answered with a 206 by the worker from
//               the downloads store vs from a CacheFirst route with the rangeRequests plugin over the same bytes
//               in Cache Storage.
// The browser runs on a real on-disk profile (launchPersistentContext), not an in-memory incognito one, so
// IndexedDB and Cache Storage write to disk as they would for a user. Two origins on the one server: the
// throughput and heap page (127.0.0.1) has no service worker, so neither variant's fetch passes through one;
// the seek page (localhost) has the bench worker. The machine is shared, so rounds alternate the order of the
// variants and each figure is a median.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CDPSession, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/harness/chromium-launch.js';
import { WAIT_FOR_CONTROL } from '../in-page.js';
import { bundleWorker } from '../worker-bundle.js';

const MiB = 1024 * 1024;
const THROUGHPUT_MIB = 64;
const HEAP_MIB = 256;
const ROUNDS = Number(process.env.BENCH_DOWNLOADS_ROUNDS ?? 3);
const SEEKS = Number(process.env.BENCH_DOWNLOADS_SEEKS ?? 300);
const SEEK_SLICE = 50;
const SEEK_BYTES = 64 * 1024;
const SAMPLE_EVERY_MS = 20;
const HEAP_TARGET_MIB = 32;
const THROUGHPUT_TARGET = 0.9;

const file = (name: string) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));

/** The files the server offers, by MiB: deterministic bytes, so every answer of one size is the same file. */
function makeBody(mib: number): Buffer {
  const body = Buffer.allocUnsafe(mib * MiB);
  const pattern = Buffer.alloc(4096);
  for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 31 + 7) & 0xff;
  body.fill(pattern);
  return body;
}
const WARM_UP_MIB = 1;
const bodies = new Map([WARM_UP_MIB, THROUGHPUT_MIB, HEAP_MIB].map((mib) => [mib, makeBody(mib)]));

/** Requests per path prefix, to show which answers came from the network. */
const hits = { file: 0, cached: 0 };

/** A single `bytes=a-b` or `bytes=a-` range within `size`, or undefined. */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header ? /^bytes=(\d+)-(\d*)$/.exec(header) : null;
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return start <= end ? { start, end } : undefined;
}

/** `/file/<MiB>` and `/cached/<MiB>`: the same bytes, with ETag, Content-Length, Accept-Ranges and 206. */
function serveFile(req: IncomingMessage, res: ServerResponse, mib: number): void {
  const body = bodies.get(mib);
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  const etag = `"bench-${mib}"`;
  const headers = {
    'content-type': 'application/octet-stream',
    etag,
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
  };
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? rangeOf(req.headers.range, body.length) : undefined;
  if (range) {
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${range.start}-${range.end}/${body.length}`,
      'content-length': String(range.end - range.start + 1),
    });
    res.end(req.method === 'HEAD' ? undefined : body.subarray(range.start, range.end + 1));
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const [pageScript, workerScript] = await Promise.all([bundleWorker(file('page.js')), bundleWorker(file('sw.js'))]);
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://bench').pathname;
  const match = /^\/(file|cached)\/(\d+)$/.exec(path);
  if (match) {
    hits[match[1] === 'file' ? 'file' : 'cached']++;
    serveFile(req, res, Number(match[2]));
  } else if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>bench</title><script src="/page.js"></script>');
  } else if (path === '/page.js' || path === '/sw.js') {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
    res.end(path === '/page.js' ? pageScript : workerScript);
  } else {
    res.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

interface Timed {
  ms: number;
  bytes: number;
}

const call = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
const fallback = (page: Page, url: string, id: string) =>
  call<Timed>(page, `bench.fallback(${JSON.stringify(url)}, ${JSON.stringify(id)})`);
const blob = (page: Page, url: string) => call<Timed>(page, `bench.blob(${JSON.stringify(url)})`);
const floor = (page: Page, url: string) => call<Timed>(page, `bench.floor(${JSON.stringify(url)})`);
const read = (page: Page, url: string) => call<Timed>(page, `bench.read(${JSON.stringify(url)})`);
const cacheParts = (page: Page, url: string) => call<Timed>(page, `bench.cacheParts(${JSON.stringify(url)})`);
const remove = (page: Page, id: string) => call<void>(page, `bench.remove(${JSON.stringify(id)})`);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const mibPerSecond = (t: Timed) => t.bytes / MiB / (t.ms / 1000);
const checkSize = (t: Timed, mib: number, what: string) => {
  if (t.bytes !== mib * MiB) throw new Error(`${what}: ${t.bytes} bytes, expected ${mib * MiB}`);
};

/** The peak of the page's heap figures while `work` runs, sampled every SAMPLE_EVERY_MS over CDP. */
async function peakHeapDuring<T>(
  cdp: CDPSession,
  work: () => Promise<T>,
): Promise<{ result: T; used: number; backing: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const peak = { used: 0, backing: 0 };
  let running = true;
  const sampler = (async () => {
    while (running) {
      const usage = await cdp.send('Runtime.getHeapUsage');
      peak.used = Math.max(peak.used, usage.usedSize);
      peak.backing = Math.max(peak.backing, usage.backingStorageSize);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  try {
    const result = await work();
    return { result, ...peak };
  } finally {
    running = false;
    await sampler;
  }
}

const profile = await mkdtemp(join(tmpdir(), 'outpost-bench-downloads-'));
const load = [loadavg()[0] ?? 0];
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [...CHROMIUM_ARGS],
});
try {
  // Throughput and heap: a page with no service worker.
  const plain = await context.newPage();
  await plain.goto(`http://127.0.0.1:${port}/`);
  const userAgent = await call<string>(plain, 'navigator.userAgent');
  const fileUrl = (mib: number) => `/file/${mib}`;

  // A warm-up of each variant, not counted: the downloads store's first open, the connection, the JIT.
  await fallback(plain, fileUrl(WARM_UP_MIB), 'warm-up');
  await remove(plain, 'warm-up');
  await blob(plain, fileUrl(WARM_UP_MIB));
  await floor(plain, fileUrl(WARM_UP_MIB));
  await read(plain, fileUrl(WARM_UP_MIB));
  await cacheParts(plain, fileUrl(WARM_UP_MIB));

  const variants = ['fallback', 'blob', 'floor', 'read', 'cacheParts'] as const;
  const runs = {
    fallback: [] as Timed[],
    blob: [] as Timed[],
    floor: [] as Timed[],
    read: [] as Timed[],
    cacheParts: [] as Timed[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first, so a burst of load from other work falls on every variant alike.
    const order = variants.map((_, i) => variants[(i + round) % variants.length] ?? 'blob');
    for (const variant of order) {
      const url = fileUrl(THROUGHPUT_MIB);
      const timed =
        variant === 'fallback'
          ? await fallback(plain, url, `throughput-${round}`)
          : variant === 'blob'
            ? await blob(plain, url)
            : variant === 'floor'
              ? await floor(plain, url)
              : variant === 'read'
                ? await read(plain, url)
                : await cacheParts(plain, url);
      checkSize(timed, THROUGHPUT_MIB, variant);
      runs[variant].push(timed);
      if (variant === 'fallback') await remove(plain, `throughput-${round}`);
    }
  }

  const cdp = await context.newCDPSession(plain);
  const heapFallback = await peakHeapDuring(cdp, () => fallback(plain, fileUrl(HEAP_MIB), 'heap'));
  checkSize(heapFallback.result, HEAP_MIB, 'fallback');
  await remove(plain, 'heap');
  const heapBlob = await peakHeapDuring(cdp, () => blob(plain, fileUrl(HEAP_MIB)));
  checkSize(heapBlob.result, HEAP_MIB, 'blob');
  load.push(loadavg()[0] ?? 0);

  // Seeks: a page the bench worker controls; the file downloaded into the store, the same bytes cached.
  const controlled = await context.newPage();
  await controlled.goto(`http://localhost:${port}/`);
  await controlled.evaluate(WAIT_FOR_CONTROL);
  const stored = await fallback(controlled, fileUrl(THROUGHPUT_MIB), 'seek');
  checkSize(stored, THROUGHPUT_MIB, 'seek download');
  const cachedUrl = `/cached/${THROUGHPUT_MIB}`;
  await call(controlled, `fetch(${JSON.stringify(cachedUrl)}).then((r) => r.arrayBuffer())`);
  const mid = (THROUGHPUT_MIB * MiB) / 2;
  const offsets = Array.from({ length: SEEKS }, (_, i) => mid + ((i * 37) % 64) * SEEK_BYTES - 32 * SEEK_BYTES);
  // The worker learns of the finished download and the cache write a moment after they happen: wait for both.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await call<boolean>(
      controlled,
      `bench.seeks(${JSON.stringify(fileUrl(THROUGHPUT_MIB))}, [${mid}], ${SEEK_BYTES}, true)
        .then(() => bench.cached(${JSON.stringify(cachedUrl)}), () => false)`,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the downloaded file or the cached copy never became servable');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const networkBefore = { ...hits };
  const seekTimes = { store: [] as number[], cache: [] as number[] };
  for (let slice = 0; slice * SEEK_SLICE < SEEKS; slice++) {
    const part = JSON.stringify(offsets.slice(slice * SEEK_SLICE, (slice + 1) * SEEK_SLICE));
    const order = slice % 2 === 0 ? (['store', 'cache'] as const) : (['cache', 'store'] as const);
    for (const variant of order) {
      const url = variant === 'store' ? fileUrl(THROUGHPUT_MIB) : cachedUrl;
      const times = await call<number[]>(
        controlled,
        `bench.seeks(${JSON.stringify(url)}, ${part}, ${SEEK_BYTES}, ${variant === 'store'})`,
      );
      seekTimes[variant].push(...times);
    }
  }
  if (hits.file !== networkBefore.file || hits.cached !== networkBefore.cached) {
    throw new Error(`seeks reached the network: ${JSON.stringify(networkBefore)} -> ${JSON.stringify(hits)}`);
  }
  load.push(loadavg()[0] ?? 0);

  // The table.
  const tp = {
    fallback: median(runs.fallback.map(mibPerSecond)),
    blob: median(runs.blob.map(mibPerSecond)),
    floor: median(runs.floor.map(mibPerSecond)),
    read: median(runs.read.map(mibPerSecond)),
    cacheParts: median(runs.cacheParts.map(mibPerSecond)),
  };
  const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;
  const seek = {
    store: { p50: median(seekTimes.store), p95: percentile(seekTimes.store, 95) },
    cache: { p50: median(seekTimes.cache), p95: percentile(seekTimes.cache, 95) },
  };
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  const rows: string[][] = [
    ['measure', 'downloads (ours)', 'anchor', 'ours/anchor', 'target'],
    [
      `throughput, ${THROUGHPUT_MIB} MB (median of ${ROUNDS})`,
      `${tp.fallback.toFixed(1)} MB/s`,
      `fetch+blob ${tp.blob.toFixed(1)} MB/s`,
      `${(tp.fallback / tp.blob).toFixed(2)}x`,
      `>= ${THROUGHPUT_TARGET}x: ${verdict(tp.fallback / tp.blob >= THROUGHPUT_TARGET)}`,
    ],
    [
      '  the same vs the floor',
      `${tp.fallback.toFixed(1)} MB/s`,
      `stream->Blobs->IDB ${tp.floor.toFixed(1)} MB/s`,
      `${(tp.fallback / tp.floor).toFixed(2)}x`,
      `(floor/fetch+blob ${(tp.floor / tp.blob).toFixed(2)}x)`,
    ],
    [
      '  the same vs the streamed ceiling',
      `${tp.fallback.toFixed(1)} MB/s`,
      `fetch+read in page ${tp.read.toFixed(1)} MB/s`,
      `${(tp.fallback / tp.read).toFixed(2)}x`,
      `(ceiling/fetch+blob ${(tp.read / tp.blob).toFixed(2)}x)`,
    ],
    [
      '  the floor in Cache Storage',
      `${tp.floor.toFixed(1)} MB/s (IDB)`,
      `stream->cache.put parts ${tp.cacheParts.toFixed(1)} MB/s`,
      `${(tp.floor / tp.cacheParts).toFixed(2)}x`,
      `(parts/fetch+blob ${(tp.cacheParts / tp.blob).toFixed(2)}x)`,
    ],
    [
      `peak JS heap, ${HEAP_MIB} MB download`,
      mb(heapFallback.used),
      `fetch+blob ${mb(heapBlob.used)}`,
      `${(heapFallback.used / heapBlob.used).toFixed(2)}x`,
      `<= ${HEAP_TARGET_MIB} MB: ${verdict(heapFallback.used <= HEAP_TARGET_MIB * MiB)}`,
    ],
    [
      `peak ArrayBuffer backing, ${HEAP_MIB} MB`,
      mb(heapFallback.backing),
      `fetch+blob ${mb(heapBlob.backing)}`,
      `${(heapFallback.backing / Math.max(1, heapBlob.backing)).toFixed(2)}x`,
      '',
    ],
    [
      `seek 206 median (${SEEKS} x 64 KiB)`,
      `store ${ms(seek.store.p50)}`,
      `CacheFirst+range ${ms(seek.cache.p50)}`,
      `${(seek.store.p50 / seek.cache.p50).toFixed(2)}x`,
      '',
    ],
    [
      'seek 206 p95',
      `store ${ms(seek.store.p95)}`,
      `CacheFirst+range ${ms(seek.cache.p95)}`,
      `${(seek.store.p95 / seek.cache.p95).toFixed(2)}x`,
      '',
    ],
  ];
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  console.log(`downloads: ${userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}, on-disk profile; MB = MiB`);
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
  console.log(
    `256 MB downloads took ${(heapFallback.result.ms / 1000).toFixed(1)} s (fallback, heap sampled every ` +
      `${SAMPLE_EVERY_MS} ms) and ${(heapBlob.result.ms / 1000).toFixed(1)} s (fetch+blob); ` +
      `load average ${load.map((l) => l.toFixed(1)).join(' -> ')} (the machine is shared)`,
  );
} finally {
  await context.close();
  server.close();
  await rm(profile, { recursive: true, force: true });
}
