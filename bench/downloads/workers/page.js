// The bench's page: createDownloads forced onto the fallback (a streamed fetch written to IndexedDB chunk by
// chunk), the plain fetch() + blob() anchor, and seeks (a Range in the middle of a file) timed in the page.
import { createDownloads } from '@outpost/pwa/client';

const downloads = createDownloads({ backgroundFetch: false });

/** Resolves when download `id` succeeded, rejects when it failed or after 150 s. */
function settled(id) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${id}: not settled within 150 s`)), 150_000);
    const unsubscribe = downloads.subscribe((changed, download) => {
      if (changed !== id || !download) return;
      if (download.state === 'succeeded') finish(undefined, download);
      else if (download.state === 'failed') finish(new Error(`${id}: failed (${download.failureReason})`));
    });
    function finish(error, download) {
      clearTimeout(timer);
      unsubscribe();
      if (error) reject(error);
      else resolve(download);
    }
  });
}

globalThis.bench = {
  /** Downloads `url` with the fallback, from start() until it is `succeeded`: ms and bytes stored. */
  async fallback(url, id) {
    const start = performance.now();
    const done = settled(id);
    await downloads.start(id, [url], { title: id });
    const download = await done;
    return { ms: performance.now() - start, bytes: download.bytesDone };
  },
  /** Deletes download `id` and its stored chunks. */
  async remove(id) {
    await downloads.delete(id);
  },
  /** The anchor: fetch() + response.blob(), with the same `cache: 'no-store'` as the fallback. */
  async blob(url) {
    const start = performance.now();
    const response = await fetch(url, { cache: 'no-store' });
    const body = await response.blob();
    return { ms: performance.now() - start, bytes: body.size };
  },
  /**
   * Times one closed Range request per offset, each read to its end, and checks it: a 206 of `length` bytes,
   * from the downloads store when `fromStore` (its marker header) and without that marker otherwise.
   */
  async seeks(url, offsets, length, fromStore) {
    const times = [];
    for (const offset of offsets) {
      const start = performance.now();
      const response = await fetch(url, { headers: { range: `bytes=${offset}-${offset + length - 1}` } });
      const body = await response.arrayBuffer();
      times.push(performance.now() - start);
      const marked = response.headers.has('x-outpost-download');
      if (response.status !== 206 || body.byteLength !== length || marked !== fromStore) {
        throw new Error(`${url} at ${offset}: ${response.status}, ${body.byteLength} B, from store ${marked}`);
      }
    }
    return times;
  },
  /** Whether the CacheFirst route's cache holds `url`. */
  async cached(url) {
    return (await (await caches.open('bench-media')).match(url)) !== undefined;
  },
};
