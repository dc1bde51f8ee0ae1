import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  BackgroundFetchRecordLike,
  BackgroundFetchRegistrationLike,
} from '../src/downloads/background-fetch.web.js';
import { serveDownload } from '../src/downloads/serve.sw.js';
import { recordAbort, settleBackgroundFetch } from '../src/downloads/settle.web.js';
import { type DownloadsStore, openDownloadsStore } from '../src/downloads/store.web.js';
import { bytes } from './downloads-file-server.js';

// The worker side without a worker: serving stored files with ranges, and settling Background Fetches from
// registrations shaped like Chromium's.

const stores: DownloadsStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

let counter = 0;
async function store(): Promise<DownloadsStore> {
  const opened = await openDownloadsStore(`downloads-worker-test-${++counter}`);
  stores.push(opened);
  return opened;
}

const URL_A = 'http://localhost/music/a.wav';
const URL_B = 'http://localhost/music/b.wav';
const FILE = bytes(10_000);

function registration(
  id: string,
  result: '' | 'success' | 'failure',
  failureReason: BackgroundFetchRegistrationLike['failureReason'],
  responses: Record<string, Response | 'reject'>,
): BackgroundFetchRegistrationLike {
  const records: BackgroundFetchRecordLike[] = Object.entries(responses).map(([url, response]) => ({
    request: new Request(url),
    responseReady: response === 'reject' ? Promise.reject(new Error('no response')) : Promise.resolve(response),
  }));
  for (const record of records) record.responseReady.catch(() => undefined);
  return Object.assign(new EventTarget(), {
    id,
    downloadTotal: 0,
    downloaded: 0,
    result,
    failureReason,
    recordsAvailable: true,
    abort: async () => true,
    match: async () => undefined,
    matchAll: async () => records,
  });
}

const wav = (body: Buffer) =>
  new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': 'audio/wav', etag: '"x"' } });

describe('serveDownload', () => {
  it('answers 200, 206 for closed, open and suffix ranges, 416 past the end; nothing for other URLs', async () => {
    const s = await store();
    await s.putWholeFile(
      { url: URL_A, downloadId: 'd', size: FILE.length, type: 'audio/wav', validator: {} },
      new Blob([new Uint8Array(FILE)]),
    );
    const get = (range?: string) =>
      serveDownload(s, new Request(URL_A, range ? { headers: { range } } : {})) as Promise<Response>;

    const full = await get();
    expect(full.status).toBe(200);
    expect(full.headers.get('x-outpost-download')).toBe('d');
    expect(Buffer.from(await full.arrayBuffer()).equals(FILE)).toBe(true);

    const cases: [string, number, number][] = [
      ['bytes=100-199', 100, 199],
      ['bytes=5000-', 5000, 9999],
      ['bytes=-300', 9700, 9999],
    ];
    for (const [range, start, end] of cases) {
      const partial = await get(range);
      expect(partial.status).toBe(206);
      expect(partial.headers.get('content-range')).toBe(`bytes ${start}-${end}/10000`);
      expect(Buffer.from(await partial.arrayBuffer()).equals(FILE.subarray(start, end + 1))).toBe(true);
    }
    const past = await get('bytes=10000-');
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */10000');
    expect(await serveDownload(s, new Request(URL_B))).toBeUndefined();
  });

  it('never serves a file that is not complete', async () => {
    const s = await store();
    await s.putDownload({
      id: 'p',
      title: 'P',
      urls: [URL_A],
      mode: 'fallback',
      state: 'downloading',
      bytesDone: 0,
      createdAt: 1,
      updatedAt: 1,
    });
    await s.resetFile({ url: URL_A, downloadId: 'p', stored: 0, type: 'audio/wav', validator: {}, complete: false });
    await s.append(URL_A, 0, new Blob([new Uint8Array(FILE.subarray(0, 5000))]), false);
    expect(await serveDownload(s, new Request(URL_A))).toBeUndefined();
  });
});

describe('settleBackgroundFetch', () => {
  it('copies every record into the store and records success', async () => {
    const s = await store();
    await s.putDownload({
      id: 'ok',
      title: 'Album',
      urls: [URL_A, URL_B],
      mode: 'background-fetch',
      state: 'downloading',
      bytesDone: 0,
      createdAt: 1,
      updatedAt: 1,
    });
    const settled = await settleBackgroundFetch(
      s,
      registration('ok', 'success', '', { [URL_A]: wav(FILE), [URL_B]: wav(FILE.subarray(0, 500)) }),
    );
    expect(settled.download).toMatchObject({ state: 'succeeded', bytesDone: 10_500, bytesTotal: 10_500 });
    expect(settled.stored).toEqual([URL_A, URL_B]);
    expect(await s.completeUrls()).toEqual(expect.arrayContaining([URL_A, URL_B]));
    const served = await serveDownload(s, new Request(URL_B, { headers: { range: 'bytes=-10' } }));
    expect(served?.status).toBe(206);
  });

  it('a set with a 404 ends failed with bad-status, keeping the files that arrived whole', async () => {
    const s = await store();
    const settled = await settleBackgroundFetch(
      s,
      registration('bad', 'failure', 'bad-status', {
        [URL_A]: wav(FILE),
        [URL_B]: new Response('missing', { status: 404 }),
      }),
    );
    expect(settled.download).toMatchObject({ state: 'failed', failureReason: 'bad-status', urls: [URL_A, URL_B] });
    expect(await s.completeUrls()).toEqual([URL_A]);
  });

  it('a record whose response never arrived fails the download; abort leaves nothing playable', async () => {
    const s = await store();
    const settled = await settleBackgroundFetch(
      s,
      registration('cut', 'failure', 'fetch-error', { [URL_A]: wav(FILE), [URL_B]: 'reject' }),
    );
    expect(settled.download).toMatchObject({ state: 'failed', failureReason: 'fetch-error' });
    const aborted = await recordAbort(s, 'cut');
    expect(aborted).toMatchObject({ state: 'failed', failureReason: 'aborted', bytesDone: 0 });
    expect(await s.completeUrls()).toEqual([]);
    expect(await serveDownload(s, new Request(URL_A))).toBeUndefined();
  });
});
