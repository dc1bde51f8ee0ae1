// The fallback download, for browsers without Background Fetch (Firefox, Safari) or where it is refused: a
// streamed fetch per file that writes chunks to the downloads store as bytes arrive, so memory holds two chunks
// at most (one being written, one being read) whatever the file size, and that continues from the stored offset with `Range` + `If-Range` after any
// interruption (network loss, server restart, page reload, browser restart). The decisions are resume.ts's.

import { gatherChunks } from './chunk-gatherer.web.js';
import type { Download, DownloadFailureReason, StoredFile } from './download.js';
import { decideResume, type ResponseFacts, resumeHeaders, retryDelayMs } from './resume.js';
import { type DownloadsStore, StaleWriteError } from './store.web.js';

/** Options of {@link runFallbackDownload}. */
export interface FallbackOptions {
  /** Aborting it stops the download where it stands (pause, cancel, page closing). */
  signal: AbortSignal;
  /** Bytes per stored chunk. Default: {@link chunkSizeFor} of the file's size. */
  chunkSize?: number;
  /** The fetch to use. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Delay before retry `attempt` after a network loss or transient status. Default {@link retryDelayMs}. */
  retryDelay?: (attempt: number) => number;
  /** Resolves early to retry at once (the page's `online` event). */
  wake?: () => Promise<void>;
}

/** How a run ended: the download finished either way, or it stopped because it is no longer `downloading`. */
export type FallbackOutcome = 'succeeded' | 'failed' | 'stopped';

/** A network loss or transient status: the run waits and resumes from where the bytes stand. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** A final failure with its reason. */
class Failed extends Error {
  override readonly name = 'Failed';
  constructor(
    readonly reason: DownloadFailureReason,
    readonly status?: number,
  ) {
    super(reason);
  }
}

const MiB = 1024 * 1024;
const MIN_CHUNK = MiB;
const MAX_CHUNK = 8 * MiB;
/** Progress steps a file of 16 MiB or more gets at least: the byte count moves once per stored chunk. */
const STEPS = 16;

/**
 * The default bytes per stored chunk for a file of `size` bytes: a sixteenth of it rounded down to whole MiB,
 * between 1 and 8 MiB (1 MiB when the size is unknown). Each chunk costs a transaction and a stored Blob, so
 * larger chunks store faster (docs/downloads.md has the numbers); the rule keeps at least 16 progress steps for
 * a file of 16 MiB or more, 1 MiB steps for a smaller one, and at most two chunks (16 MiB) in memory.
 *
 * @example
 * ```ts
 * chunkSizeFor(64 * 1024 * 1024); // 4 MiB
 * ```
 */
export function chunkSizeFor(size: number | undefined): number {
  if (size === undefined) return MIN_CHUNK;
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.floor(size / STEPS / MiB) * MiB));
}

function factsOf(response: Response): ResponseFacts {
  const h = response.headers;
  return {
    status: response.status,
    contentRange: h.get('content-range'),
    contentLength: h.get('content-length'),
    etag: h.get('etag'),
    lastModified: h.get('last-modified'),
    date: h.get('date'),
  };
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === 'AbortError');
}

/**
 * Runs the fallback download `id` until it succeeds, fails for good, or stops (it is no longer `downloading`
 * in the store, or `signal` aborted). Network losses and transient statuses are retried with backoff for as long
 * as the run lasts, the download showing `waitingForNetwork`. A quota error fails it with `quota-exceeded` and
 * drops every incomplete file, so nothing half-stored is left.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await runFallbackDownload(store, 'album-1', { signal: controller.signal });
 * ```
 */
export async function runFallbackDownload(
  store: DownloadsStore,
  id: string,
  options: FallbackOptions,
): Promise<FallbackOutcome> {
  const { signal } = options;
  let attempt = 0;
  for (;;) {
    try {
      const started = await store.updateDownload(id, (d) =>
        d.state === 'queued' || d.state === 'downloading'
          ? { ...d, state: 'downloading', updatedAt: Date.now() }
          : null,
      );
      if (!started || signal.aborted) return 'stopped';
      const outcome = await downloadFiles(store, started, options);
      if (outcome === 'stopped') return 'stopped';
      await store.updateDownload(id, (d) => {
        if (d.state !== 'downloading') return null;
        const done: Download = { ...d, state: 'succeeded', bytesTotal: d.bytesDone, updatedAt: Date.now() };
        delete done.waitingForNetwork;
        return done;
      });
      return 'succeeded';
    } catch (error) {
      if (isAbort(error, signal) || error instanceof StaleWriteError) return 'stopped';
      if (error instanceof Failed || isQuotaError(error)) {
        const failure = error instanceof Failed ? error : new Failed('quota-exceeded');
        if (failure.reason === 'quota-exceeded') await store.dropIncomplete(id);
        await store.updateDownload(id, (d) => {
          if (d.state !== 'downloading') return null;
          const failed: Download = { ...d, state: 'failed', failureReason: failure.reason, updatedAt: Date.now() };
          if (failure.status !== undefined) failed.failureStatus = failure.status;
          delete failed.waitingForNetwork;
          return failed;
        });
        return 'failed';
      }
      // Anything else is the network (a rejected fetch, a body cut off, a transient status): wait, then resume.
      const waiting = await store.updateDownload(id, (d) =>
        d.state === 'downloading' && !d.waitingForNetwork
          ? { ...d, waitingForNetwork: true, updatedAt: Date.now() }
          : null,
      );
      if (!waiting && (await store.getDownload(id))?.state !== 'downloading') return 'stopped';
      await pause((options.retryDelay ?? retryDelayMs)(attempt++), signal, options.wake);
      if (signal.aborted) return 'stopped';
    }
  }
}

function pause(ms: number, signal: AbortSignal, wake?: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    void wake?.().then(done);
  });
}

async function downloadFiles(
  store: DownloadsStore,
  download: Download,
  options: FallbackOptions,
): Promise<'done' | 'stopped'> {
  for (const url of download.urls) {
    let file = await store.getFile(url);
    if (!file || file.downloadId !== download.id) {
      file = { url, downloadId: download.id, stored: 0, type: '', validator: {}, complete: false };
      await store.resetFile(file);
    }
    if (file.complete) continue;
    if ((await downloadFile(store, file, options)) === 'stopped') return 'stopped';
  }
  return 'done';
}

async function downloadFile(
  store: DownloadsStore,
  start: StoredFile,
  options: FallbackOptions,
): Promise<'done' | 'stopped'> {
  const doFetch = options.fetch ?? fetch;
  let file = start;
  for (;;) {
    const headers = resumeHeaders({ stored: file.stored, size: file.size, validator: file.validator });
    const ranged = 'range' in headers;
    const response = await doFetch(file.url, { headers, signal: options.signal, cache: 'no-store' }).catch(
      (error: unknown) => {
        if (isAbort(error, options.signal)) throw error;
        throw new Interrupted(String(error));
      },
    );
    // A ranged request answered from the stored offset; anything else starts at 0 below.
    const decision = decideResume(
      { stored: ranged ? file.stored : 0, size: file.size, validator: file.validator },
      factsOf(response),
      ranged,
    );
    if (decision.kind !== 'append' && decision.kind !== 'restart') await response.body?.cancel().catch(() => undefined);
    switch (decision.kind) {
      case 'bad-status':
        throw new Failed('bad-status', decision.status);
      case 'retry':
        throw new Interrupted(`status ${decision.status}`);
      case 'start-over':
        file = { ...file, stored: 0, size: undefined, validator: {}, complete: false };
        delete file.size;
        await store.resetFile(file);
        continue;
      case 'restart':
        file = {
          ...file,
          stored: 0,
          validator: decision.validator,
          type: response.headers.get('content-type') ?? '',
          complete: false,
        };
        if (decision.size === undefined) delete file.size;
        else file.size = decision.size;
        await store.resetFile(file);
        return writeBody(store, file, 0, response, options);
      case 'append':
        return writeBody(store, file, decision.offset, response, options);
    }
  }
}

/**
 * Streams `response`'s body into the store at `offset`, one chunk per transaction. The next chunk is read while
 * the previous one commits (reading the network and writing to disk overlap), with at most one write in flight,
 * so memory holds two chunks at most (chunk-gatherer.web.ts reuses its buffers). The stored offset still moves only
 * when a write commits, and no write outlives the run: every way out waits for the one in flight.
 */
async function writeBody(
  store: DownloadsStore,
  file: StoredFile,
  offset: number,
  response: Response,
  options: FallbackOptions,
): Promise<'done' | 'stopped'> {
  const body = response.body;
  if (!body) throw new Interrupted('no body');
  const chunks = gatherChunks(body, options.chunkSize ?? chunkSizeFor(file.size));
  // Where the next write goes: `offset` plus every byte handed to a write (committed or in flight).
  let at = offset;
  // The write in flight: true once committed, false when the download was no longer downloading.
  let writing: Promise<boolean> = Promise.resolve(true);
  const write = (last: boolean): Promise<boolean> => {
    const complete = last && (file.size === undefined || at + chunks.buffered === file.size);
    const from = at;
    at += chunks.buffered;
    const blob = chunks.take(file.type);
    return store.append(file.url, from, blob, complete).then((result) => result.stored);
  };
  /** Waits for the write in flight, then hands the gathered bytes to the next one; false once stopped. */
  const flush = async (last: boolean): Promise<boolean> => {
    if (!(await writing)) return false;
    writing = write(last);
    // Awaited on every way out; this only keeps a failure from counting as unhandled while the body is read.
    writing.catch(() => undefined);
    return true;
  };
  try {
    for (;;) {
      const full = await chunks.fill().catch((error: unknown) => {
        if (isAbort(error, options.signal)) throw error;
        throw new Interrupted(String(error));
      });
      if (!full) break;
      if (!(await flush(false))) {
        await chunks.cancel().catch(() => undefined);
        return 'stopped';
      }
    }
    if (file.size !== undefined && at + chunks.buffered !== file.size) {
      // Keep what arrived, then resume: a body shorter than announced is a cut connection.
      await flush(false);
      throw new Interrupted(`body ended at ${at} of ${file.size}`);
    }
    return (await flush(true)) && (await writing) ? 'done' : 'stopped';
  } catch (error) {
    let running: boolean;
    try {
      running = await writing;
    } catch (writeError) {
      // A write that failed (quota, a stale offset) says more than the network loss that followed it.
      throw error instanceof Interrupted ? writeError : error;
    }
    if (error instanceof Interrupted && running && chunks.buffered > 0 && !options.signal.aborted) {
      await write(false).catch(() => undefined);
    }
    throw error;
  }
}
