import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Download } from '../src/downloads/download.js';
import { chunkSizeFor, runFallbackDownload } from '../src/downloads/fallback.web.js';
import { type DownloadsStore, openDownloadsStore } from '../src/downloads/store.web.js';

// The fallback reads the next chunk while the previous one commits, with at most one write in flight, and no
// write outlives the run. The store's appends are held at a gate, so the overlap is seen without any timing.

const URL_ = 'https://example.test/song.bin';
const PIECE = 16 * 1024;
const PIECES = 8;
const CHUNK = 2 * PIECE;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A 200 answer whose body is PIECES pieces, each read only when asked for (`pulls` counts the reads); after
 * `stallAfter` pieces the body waits like a slow network (`onStall`) until the request's signal aborts it.
 */
function source(onPull: (pulls: number) => void, stallAfter = Number.POSITIVE_INFINITY, onStall = () => {}) {
  const content = new Uint8Array(PIECE * PIECES).map((_, i) => (i * 13) & 0xff);
  let pulls = 0;
  const fetcher: typeof fetch = async (_input, init) => {
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
        },
        pull(controller) {
          if (pulls === stallAfter) {
            onStall();
            return new Promise<void>(() => {});
          }
          if (pulls === PIECES) controller.close();
          else controller.enqueue(content.slice(pulls * PIECE, (pulls + 1) * PIECE));
          pulls++;
          onPull(pulls);
          return undefined;
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { headers: { 'content-length': String(content.length), etag: '"v1"' } });
  };
  return { content, fetcher, pulls: () => pulls };
}

/** The store with every append held until `release()`, counting appends started and in flight. */
function gated(store: DownloadsStore) {
  let gate = deferred();
  const counts = { started: 0, inFlight: 0, maxInFlight: 0 };
  const appended = deferred();
  const wrapped: DownloadsStore = {
    ...store,
    async append(url, offset, data, complete) {
      counts.started++;
      counts.inFlight++;
      counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
      appended.resolve();
      await gate.promise;
      try {
        return await store.append(url, offset, data, complete);
      } finally {
        counts.inFlight--;
      }
    },
  };
  const open = () => {
    gate.resolve();
    gate = { promise: Promise.resolve(), resolve: () => {} };
  };
  return { wrapped, counts, appended: appended.promise, open };
}

let dbCounter = 0;
async function queued(): Promise<DownloadsStore> {
  const store = await openDownloadsStore(`downloads-pipeline-${++dbCounter}`);
  const now = Date.now();
  const download: Download = {
    id: 'd',
    title: 'D',
    urls: [URL_],
    mode: 'fallback',
    state: 'queued',
    bytesDone: 0,
    createdAt: now,
    updatedAt: now,
  };
  await store.putDownload(download);
  return store;
}

describe('fallback pipelining', () => {
  it('reads the next chunk while the previous write is uncommitted, with one write in flight', async () => {
    const store = await queued();
    const secondChunkRead = deferred();
    const { content, fetcher, pulls } = source((n) => n === 2 * (CHUNK / PIECE) && secondChunkRead.resolve());
    const { wrapped, counts, open } = gated(store);
    const run = runFallbackDownload(wrapped, 'd', {
      signal: new AbortController().signal,
      chunkSize: CHUNK,
      fetch: fetcher,
    });
    // The first write is held, yet the body is read on to the end of the second chunk.
    await secondChunkRead.promise;
    expect(counts.started).toBe(1);
    expect(pulls()).toBe(2 * (CHUNK / PIECE));
    // Nothing is counted as stored before its write commits.
    expect((await store.getFile(URL_))?.stored).toBe(0);
    open();
    expect(await run).toBe('succeeded');
    expect(counts.maxInFlight).toBe(1);
    const stored = await store.readFile(URL_);
    expect(new Uint8Array(await (stored?.body ?? new Blob()).arrayBuffer())).toEqual(content);
    expect((await store.getDownload('d'))?.bytesDone).toBe(content.length);
    store.close();
  });

  it('a stop while a write is in flight ends the run only once that write settled', async () => {
    const store = await queued();
    // The body stalls after the first chunk: the run waits on the network while that chunk's write is held.
    const stalled = deferred();
    const { fetcher } = source(() => {}, CHUNK / PIECE, stalled.resolve);
    const { wrapped, counts, appended, open } = gated(store);
    const controller = new AbortController();
    let ended = false;
    const run = runFallbackDownload(wrapped, 'd', { signal: controller.signal, chunkSize: CHUNK, fetch: fetcher }).then(
      (outcome) => {
        ended = true;
        return outcome;
      },
    );
    await appended;
    await stalled.promise;
    // What a pause does: the record first, then the signal.
    await store.updateDownload('d', (d) => ({ ...d, state: 'paused' }));
    controller.abort();
    // A moment for a run that did not wait to end: it cannot end while the write is held if it does wait.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ended).toBe(false);
    expect(counts.inFlight).toBe(1);
    open();
    expect(await run).toBe('stopped');
    expect(counts.inFlight).toBe(0);
    // The held write found the download paused: nothing stored, the offset unchanged.
    expect((await store.getFile(URL_))?.stored).toBe(0);
    store.close();
  });
});

describe('chunkSizeFor', () => {
  const MiB = 1024 * 1024;

  it('is 1 MiB for an unknown size or a small file, 4 MiB for 64 MiB, 8 MiB at most', () => {
    expect(chunkSizeFor(undefined)).toBe(MiB);
    expect(chunkSizeFor(0)).toBe(MiB);
    expect(chunkSizeFor(3 * MiB)).toBe(MiB);
    expect(chunkSizeFor(64 * MiB)).toBe(4 * MiB);
    expect(chunkSizeFor(80 * MiB - 1)).toBe(4 * MiB);
    expect(chunkSizeFor(80 * MiB)).toBe(5 * MiB);
    expect(chunkSizeFor(4096 * MiB)).toBe(8 * MiB);
  });

  it('is whole MiB between 1 and 8 MiB, and gives a file of 16 MiB or more at least 16 steps', () => {
    const sizes = fc.oneof(fc.integer({ min: 0, max: 256 * MiB }), fc.integer({ min: 0, max: 2 ** 42 }));
    fc.assert(
      fc.property(sizes, (size) => {
        const chunk = chunkSizeFor(size);
        expect(chunk % MiB).toBe(0);
        expect(chunk).toBeGreaterThanOrEqual(MiB);
        expect(chunk).toBeLessThanOrEqual(8 * MiB);
        if (size >= 16 * MiB) expect(Math.ceil(size / chunk)).toBeGreaterThanOrEqual(16);
        else expect(chunk).toBe(MiB);
      }),
      { numRuns: 1000 },
    );
  });
});
