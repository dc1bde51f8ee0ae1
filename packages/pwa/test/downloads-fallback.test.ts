import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Download } from '../src/downloads/download.js';
import { createDownloads, DownloadActionError, type Downloads } from '../src/downloads/downloads.client.js';
import { openDownloadsStore } from '../src/downloads/store.web.js';
import { bytes, type FileServer, startFileServer } from './downloads-file-server.js';

// The fallback download in Node, against a real HTTP server: chunks stored as they arrive, resumed with Range +
// If-Range after a cut connection, restarted from 0 when the file changed, failed with its reason.

beforeAll(() => {
  // A page with no service worker (so no Background Fetch): Node has no navigator of its own.
  Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
});

const opened: { downloads: Downloads; server: FileServer }[] = [];
afterEach(async () => {
  for (const { downloads, server } of opened.splice(0)) {
    downloads.close();
    await server.close();
  }
});

let dbCounter = 0;
async function setup(size: number) {
  const server = await startFileServer(bytes(size));
  const dbName = `downloads-test-${++dbCounter}`;
  const downloads = createDownloads({ dbName, chunkSize: 64 * 1024, retryDelay: () => 30 });
  opened.push({ downloads, server });
  return { server, downloads, dbName };
}

function until(downloads: Downloads, id: string, done: (d: Download) => boolean, timeoutMs = 5000): Promise<Download> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`download ${id} did not get there in ${timeoutMs} ms`)), timeoutMs);
    const check = (d: Download | undefined) => {
      if (d && done(d)) {
        clearTimeout(timer);
        stop();
        resolve(d);
      }
    };
    const stop = downloads.subscribe((changed, d) => changed === id && check(d));
    void downloads.get(id).then(check);
  });
}

async function storedBytes(dbName: string, url: string): Promise<Buffer | undefined> {
  const store = await openDownloadsStore(dbName);
  try {
    const found = await store.readFile(url);
    return found && Buffer.from(await found.body.arrayBuffer());
  } finally {
    store.close();
  }
}

describe('fallback download', () => {
  it('stores the file chunk by chunk and ends byte-identical', async () => {
    const { server, downloads, dbName } = await setup(300_000);
    const progress: number[] = [];
    downloads.subscribe((_id, d) => d && progress.push(d.bytesDone));
    const started = await downloads.start('a', [server.url], { title: 'A' });
    expect(started.mode).toBe('fallback');
    const done = await until(downloads, 'a', (d) => d.state === 'succeeded');
    expect(done.bytesDone).toBe(300_000);
    expect(done.bytesTotal).toBe(300_000);
    expect(new Set(progress).size).toBeGreaterThan(3);
    expect((await storedBytes(dbName, server.url))?.equals(server.content)).toBe(true);
    expect(server.seen).toEqual([{ range: undefined, ifRange: undefined }]);
  });

  it('resumes from the stored offset with Range and If-Range after the connection is cut', async () => {
    const { server, downloads, dbName } = await setup(500_000);
    server.cutAfter = 200_000;
    await downloads.start('b', [server.url], { title: 'B' });
    await until(downloads, 'b', (d) => d.state === 'succeeded');
    expect(server.seen).toHaveLength(2);
    const resumed = server.seen[1];
    const offset = Number(/^bytes=(\d+)-$/.exec(resumed?.range ?? '')?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(200_000);
    expect(resumed?.ifRange).toBe('"v1"');
    expect((await storedBytes(dbName, server.url))?.equals(server.content)).toBe(true);
  });

  it('starts over from 0 when the file changed on the server, and ends identical to the new file', async () => {
    const { server, downloads, dbName } = await setup(400_000);
    server.cutAfter = 150_000;
    server.pieceDelayMs = 5;
    await downloads.start('c', [server.url], { title: 'C' });
    await until(downloads, 'c', (d) => d.waitingForNetwork === true || d.bytesDone > 0);
    server.content = bytes(450_000, 2);
    server.version = 2;
    server.pieceDelayMs = 0;
    const done = await until(downloads, 'c', (d) => d.state === 'succeeded');
    expect(done.bytesDone).toBe(450_000);
    expect(server.seen[1]).toMatchObject({ ifRange: '"v1"' });
    expect((await storedBytes(dbName, server.url))?.equals(server.content)).toBe(true);
  });

  it('fails with bad-status and the status on a 404', async () => {
    const { server, downloads } = await setup(1000);
    server.status = 404;
    await downloads.start('d', [server.url], { title: 'D' });
    const failed = await until(downloads, 'd', (d) => d.state === 'failed');
    expect(failed).toMatchObject({ failureReason: 'bad-status', failureStatus: 404 });
    // A failed download may be started again under its id.
    server.status = undefined;
    await downloads.start('d', [server.url], { title: 'D' });
    await until(downloads, 'd', (d) => d.state === 'succeeded');
  });

  it('waits through a 503 and carries on', async () => {
    const { server, downloads, dbName } = await setup(100_000);
    server.status = 503;
    await downloads.start('e', [server.url], { title: 'E' });
    await until(downloads, 'e', (d) => d.waitingForNetwork === true);
    server.status = undefined;
    await until(downloads, 'e', (d) => d.state === 'succeeded');
    expect((await storedBytes(dbName, server.url))?.equals(server.content)).toBe(true);
  });

  it('pauses and resumes from where it stood', async () => {
    const { server, downloads, dbName } = await setup(600_000);
    server.pieceDelayMs = 5;
    await downloads.start('f', [server.url], { title: 'F' });
    await until(downloads, 'f', (d) => d.bytesDone >= 128 * 1024);
    const paused = await downloads.pause('f');
    expect(paused.state).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const held = await downloads.get('f');
    expect(held?.state).toBe('paused');
    expect(held?.bytesDone).toBeLessThan(600_000);
    server.pieceDelayMs = 0;
    await downloads.resume('f');
    await until(downloads, 'f', (d) => d.state === 'succeeded');
    expect(server.seen.at(-1)?.range).toBe(`bytes=${held?.bytesDone}-`);
    expect((await storedBytes(dbName, server.url))?.equals(server.content)).toBe(true);
  });

  it('abort ends aborted with nothing stored; delete forgets it', async () => {
    const { server, downloads, dbName } = await setup(600_000);
    server.pieceDelayMs = 5;
    await downloads.start('g', [server.url], { title: 'G' });
    await until(downloads, 'g', (d) => d.bytesDone > 0);
    const aborted = await downloads.abort('g');
    expect(aborted).toMatchObject({ state: 'failed', failureReason: 'aborted', bytesDone: 0 });
    const store = await openDownloadsStore(dbName);
    expect(await store.getFile(server.url)).toMatchObject({ stored: 0, complete: false });
    store.close();
    await expect(downloads.resume('g')).rejects.toBeInstanceOf(DownloadActionError);
    expect(await downloads.delete('g')).toBe(true);
    expect(await downloads.list()).toEqual([]);
    expect(await storedBytes(dbName, server.url)).toBeUndefined();
  });

  it('picks up an interrupted download when a new page starts (a reload)', async () => {
    const { server, downloads, dbName } = await setup(500_000);
    server.pieceDelayMs = 5;
    await downloads.start('h', [server.url], { title: 'H' });
    await until(downloads, 'h', (d) => d.bytesDone >= 128 * 1024);
    downloads.close();
    server.pieceDelayMs = 0;
    const before = await openDownloadsStore(dbName);
    const stored = (await before.getFile(server.url))?.stored ?? 0;
    before.close();
    expect(stored).toBeGreaterThan(0);
    const reloaded = createDownloads({ dbName, chunkSize: 64 * 1024, retryDelay: () => 30 });
    opened.push({ downloads: reloaded, server: await startFileServer(Buffer.alloc(0)) });
    await reloaded.ready;
    await until(reloaded, 'h', (d) => d.state === 'succeeded');
    // It continued from at least what was stored when the first page went away (a run may store one more chunk).
    const offset = Number(/^bytes=(\d+)-$/.exec(server.seen.at(-1)?.range ?? '')?.[1]);
    expect(offset).toBeGreaterThanOrEqual(stored);
    expect((await storedBytes(dbName, server.url))?.equals(server.content)).toBe(true);
  });
});
