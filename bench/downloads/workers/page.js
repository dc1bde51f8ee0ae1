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
  /**
   * The floor of the fallback's design, without the library: the same streamed fetch with the bytes gathered
   * (BYOB reads, reused buffers) into Blobs of the fallback's default chunk size (a sixteenth of the file in whole MiB, 1 to 8 MiB), each put
   * in IndexedDB in its own transaction while the next one is read (one put in flight, as the fallback does);
   * no records, no resume, no messages.
   */
  async floor(url) {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('bench-floor', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('chunks');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const write = (run) =>
      new Promise((resolve, reject) => {
        const transaction = db.transaction('chunks', 'readwrite');
        run(transaction.objectStore('chunks'));
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
      });
    const MiB = 1024 * 1024;
    const start = performance.now();
    const response = await fetch(url, { cache: 'no-store' });
    const size = Number(response.headers.get('content-length'));
    const chunkSize = Math.min(8 * MiB, Math.max(MiB, Math.floor(size / 16 / MiB) * MiB));
    // As the fallback gathers (chunk-gatherer.web.ts): BYOB reads into a reused read buffer, copied into a reused
    // chunk buffer, each full chunk turned into a Blob (a copy) and put while the next is read.
    const reader = response.body.getReader({ mode: 'byob' });
    const chunk = new Uint8Array(chunkSize);
    let scratch = new ArrayBuffer(256 * 1024);
    let filled = 0;
    let offset = 0;
    let writing = Promise.resolve();
    const flush = async () => {
      await writing;
      const blob = new Blob([chunk.subarray(0, filled)]);
      const at = offset;
      offset += filled;
      filled = 0;
      writing = write((chunks) => chunks.put(blob, at));
    };
    for (;;) {
      const room = Math.min(scratch.byteLength, chunkSize - filled);
      const { done, value } = await reader.read(new Uint8Array(scratch, 0, room));
      if (value) {
        chunk.set(value, filled);
        filled += value.byteLength;
        scratch = value.buffer;
      }
      if (done) break;
      if (filled === chunkSize) await flush();
    }
    if (filled > 0) await flush();
    await writing;
    const ms = performance.now() - start;
    await write((chunks) => chunks.clear());
    db.close();
    return { ms, bytes: offset };
  },
  /**
   * The ceiling of every streamed design: the same fetch with its body read in the page, chunk by chunk, and
   * nothing stored. A download that counts and stores bytes as they arrive cannot be faster than this.
   */
  async read(url) {
    const start = performance.now();
    const response = await fetch(url, { cache: 'no-store' });
    const reader = response.body.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    return { ms: performance.now() - start, bytes };
  },
  /**
   * The other storage for the same design, without the library: the stream cut into parts of the fallback's
   * chunk size, each handed to `cache.put` as a stream of its own (the next part is read while one commits), with default
   * reads: the pieces are handed on to the cache, so no buffer could be reused. Its
   * Blob-free path is why it is faster than IndexedDB; docs/downloads.md says why the store is not built on it.
   */
  async cacheParts(url) {
    const MiB = 1024 * 1024;
    const cache = await caches.open('bench-parts');
    const start = performance.now();
    const response = await fetch(url, { cache: 'no-store' });
    const size = Number(response.headers.get('content-length'));
    const partSize = Math.min(8 * MiB, Math.max(MiB, Math.floor(size / 16 / MiB) * MiB));
    const reader = response.body.getReader();
    let leftover;
    let ended = false;
    let bytes = 0;
    let committing = Promise.resolve();
    for (let part = 0; !ended; part++) {
      let inPart = 0;
      let partRead;
      const read = new Promise((resolve) => {
        partRead = resolve;
      });
      const stream = new ReadableStream({
        async pull(controller) {
          let chunk = leftover;
          leftover = undefined;
          if (!chunk) {
            const read = await reader.read();
            if (read.done) {
              ended = true;
              controller.close();
              partRead();
              return;
            }
            chunk = read.value;
          }
          const take = Math.min(chunk.byteLength, partSize - inPart);
          controller.enqueue(take === chunk.byteLength ? chunk : chunk.subarray(0, take));
          if (take < chunk.byteLength) leftover = chunk.subarray(take);
          inPart += take;
          bytes += take;
          if (inPart === partSize) {
            controller.close();
            partRead();
          }
        },
      });
      const put = cache.put(`/bench-parts/${part}`, new Response(stream));
      // The next part is read once this one is, while this one commits; one commit in flight at most.
      await Promise.race([read, put]);
      await committing;
      committing = put;
    }
    await committing;
    const ms = performance.now() - start;
    await caches.delete('bench-parts');
    return { ms, bytes };
  },
  /** Whether the CacheFirst route's cache holds `url`. */
  async cached(url) {
    return (await (await caches.open('bench-media')).match(url)) !== undefined;
  },
};
