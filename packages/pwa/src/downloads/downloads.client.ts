import {
  type BackgroundFetchManagerLike,
  type BackgroundFetchRegistrationLike,
  backgroundFetchOf,
} from './background-fetch.web.js';
import { type Download, type DownloadIcon, isSettled } from './download.js';
import { runFallbackDownload } from './fallback.web.js';
import { lengthOf, totalOf } from './resume.js';
import { recordAbort } from './settle.web.js';
import { DOWNLOADS_DB, type DownloadsStore, openDownloadsStore } from './store.web.js';

/** Options of {@link createDownloads}. */
export interface DownloadsOptions {
  /** Use Background Fetch where the browser has it. Default true; false always uses the fallback. */
  backgroundFetch?: boolean;
  /** The service worker registration Background Fetch runs in. Default: `navigator.serviceWorker.ready`. */
  registration?: () => Promise<ServiceWorkerRegistration | undefined>;
  /** The fetch the fallback and the HEAD requests use. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Bytes per stored chunk of the fallback. Default: a sixteenth of the file in whole MiB, from 1 to 8 MiB (`chunkSizeFor`). */
  chunkSize?: number;
  /** Delay before retry `attempt` of the fallback after a network loss. Default: 1 s doubling to 15 s. */
  retryDelay?: (attempt: number) => number;
  /** The downloads database (tests). */
  dbName?: string;
}

/** Options of {@link Downloads.start}. */
export interface StartOptions {
  /** Shown in the browser's download UI and the app's list. */
  title: string;
  icons?: DownloadIcon[];
  /**
   * The total size in bytes. Default: the sum of the files' `HEAD` Content-Lengths, left out when any is
   * unknown (a total that is too small fails a Background Fetch).
   */
  downloadTotal?: number;
}

/** Storage as the browser reports it. */
export interface StorageReport {
  /** Bytes used by the origin, when the browser says. */
  usage: number | undefined;
  /** Bytes the origin may use, when the browser says. */
  quota: number | undefined;
  /** Whether storage is persistent (not evicted under pressure); undefined where the browser cannot say. */
  persisted: boolean | undefined;
}

/** Why an action on a download was refused. */
export type DownloadActionErrorCode = 'exists' | 'not-found' | 'not-pausable' | 'not-resumable';

/** Thrown by {@link Downloads} actions that do not apply to a download as it stands. */
export class DownloadActionError extends Error {
  override readonly name = 'DownloadActionError';
  constructor(
    readonly code: DownloadActionErrorCode,
    readonly id: string,
  ) {
    super(`download ${id}: ${code}`);
  }
}

/** The page's handle on the downloads of the origin. */
export interface Downloads {
  /** Settles once interrupted fallback downloads were resumed and running Background Fetches re-attached. */
  readonly ready: Promise<void>;
  /**
   * Starts downloading `urls` as one download `id`: Background Fetch where the browser has and allows it,
   * else the fallback. A failed download of the same id is replaced; any other existing one is refused
   * (`exists`). Asks for persistent storage on the first download.
   */
  start(id: string, urls: readonly (string | URL)[], options: StartOptions): Promise<Download>;
  get(id: string): Promise<Download | undefined>;
  /** Every download, oldest first. */
  list(): Promise<Download[]>;
  /** Hears every change to any download, from any page or the worker; returns the unsubscribe. */
  subscribe(listener: (id: string, download: Download | undefined) => void): () => void;
  /** Pauses a fallback download (Background Fetch has no pause: `not-pausable`). */
  pause(id: string): Promise<Download>;
  /** Resumes a paused fallback download, or retries a failed one (not an aborted one) from its stored bytes. */
  resume(id: string): Promise<Download>;
  /** Cancels a download: it ends `failed` / `aborted`, and nothing of it stays stored. */
  abort(id: string): Promise<Download | undefined>;
  /** Deletes a download and its stored files (cancelling it first if it runs). */
  delete(id: string): Promise<boolean>;
  /** Usage, quota, and whether storage is persisted. */
  storage(): Promise<StorageReport>;
  /** Stops this page's fallback runs (they resume on the next load) and closes the store. */
  close(): void;
}

const defaultRegistration = async (): Promise<ServiceWorkerRegistration | undefined> => {
  const container = globalThis.navigator?.serviceWorker;
  if (!container) return undefined;
  // `ready` never settles without a registration: give up after a moment, as a page without a worker.
  return Promise.race([
    container.ready,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3000)),
  ]);
};

/**
 * Creates the page side of the downloads capability.
 *
 * @example
 * ```ts
 * const downloads = createDownloads();
 * downloads.subscribe((id, download) => render(id, download));
 * await downloads.start('album-7', ['/media/track-1.wav'], { title: 'Album 7' });
 * ```
 */
export function createDownloads(options: DownloadsOptions = {}): Downloads {
  const store = openDownloadsStore(options.dbName ?? DOWNLOADS_DB);
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const registration = options.registration ?? defaultRegistration;
  const running = new Map<string, AbortController>();
  const attached = new Set<string>();
  let closed = false;
  let askedPersist = false;

  const manager = async (): Promise<BackgroundFetchManagerLike | undefined> => {
    if (options.backgroundFetch === false) return undefined;
    const found = await registration().catch(() => undefined);
    return found ? backgroundFetchOf(found) : undefined;
  };

  const wake = () =>
    new Promise<void>((resolve) => {
      if (typeof addEventListener === 'function') addEventListener('online', () => resolve(), { once: true });
    });

  const run = (id: string): void => {
    if (closed || running.has(id)) return;
    const controller = new AbortController();
    running.set(id, controller);
    const go = () =>
      store.then((opened) =>
        runFallbackDownload(opened, id, {
          signal: controller.signal,
          fetch: doFetch,
          ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
          ...(options.retryDelay ? { retryDelay: options.retryDelay } : {}),
          wake,
        }),
      );
    // One runner per download across the origin's pages: another page's run (or this page's, winding down after a
    // pause) holds the lock, and this one starts when it is released (it then stops at once if the download is
    // no longer running, or carries on when the page that ran it was closed).
    const locks = globalThis.navigator?.locks;
    const done = locks ? locks.request(`outpost-download:${id}`, { signal: controller.signal }, go) : go();
    void Promise.resolve(done)
      .catch(() => undefined)
      .finally(() => {
        if (running.get(id) === controller) running.delete(id);
      });
  };

  const attach = (opened: DownloadsStore, fetchRegistration: BackgroundFetchRegistrationLike): void => {
    if (attached.has(fetchRegistration.id)) return;
    attached.add(fetchRegistration.id);
    fetchRegistration.addEventListener('progress', () => {
      void opened.updateDownload(fetchRegistration.id, (d) =>
        d.state === 'downloading' && d.bytesDone !== fetchRegistration.downloaded
          ? {
              ...d,
              bytesDone: fetchRegistration.downloaded,
              ...(fetchRegistration.downloadTotal ? { bytesTotal: fetchRegistration.downloadTotal } : {}),
              updatedAt: Date.now(),
            }
          : null,
      );
    });
  };

  const ready = (async () => {
    const opened = await store;
    // Stop a run here when another page paused, cancelled or deleted its download.
    opened.subscribe((id) => {
      const controller = running.get(id);
      if (!controller) return;
      void opened.getDownload(id).then((d) => {
        if (!d || (d.state !== 'downloading' && d.state !== 'queued')) controller.abort();
      });
    });
    const bf = await manager();
    for (const download of await opened.listDownloads()) {
      if (download.state !== 'downloading' && download.state !== 'queued') continue;
      if (download.mode === 'fallback') run(download.id);
      else {
        const live = await bf?.get(download.id);
        if (live) attach(opened, live);
      }
    }
  })();

  const headSize = async (url: string): Promise<number | undefined> => {
    try {
      const response = await doFetch(url, { method: 'HEAD', cache: 'no-store' });
      return response.ok ? lengthOf(response.headers.get('content-length')) : undefined;
    } catch {
      return undefined;
    }
  };

  const must = async (id: string): Promise<Download> => {
    const found = await (await store).getDownload(id);
    if (!found) throw new DownloadActionError('not-found', id);
    return found;
  };

  const persist = async () => {
    if (askedPersist) return;
    askedPersist = true;
    const storage = globalThis.navigator?.storage;
    if (storage?.persist && !(await storage.persisted?.().catch(() => false)))
      await storage.persist().catch(() => false);
  };

  return {
    ready,
    async start(id, urls, startOptions) {
      const opened = await store;
      const existing = await opened.getDownload(id);
      if (existing && existing.state !== 'failed') throw new DownloadActionError('exists', id);
      if (existing) await opened.deleteDownload(id);
      const absolute = urls.map((url) => new URL(url, globalThis.location?.href).href);
      void persist();
      const now = Date.now();
      const base: Download = {
        id,
        title: startOptions.title,
        urls: absolute,
        mode: 'fallback',
        state: 'queued',
        bytesDone: 0,
        createdAt: now,
        updatedAt: now,
        ...(startOptions.icons ? { icons: startOptions.icons } : {}),
      };
      const bf = await manager();
      if (bf) {
        const total = startOptions.downloadTotal ?? totalOf(await Promise.all(absolute.map(headSize)));
        const record: Download = {
          ...base,
          mode: 'background-fetch',
          state: 'downloading',
          ...(total !== undefined ? { bytesTotal: total } : {}),
        };
        await opened.putDownload(record);
        try {
          const live = await bf.fetch(id, absolute, {
            title: startOptions.title,
            ...(startOptions.icons ? { icons: startOptions.icons } : {}),
            ...(total !== undefined ? { downloadTotal: total } : {}),
          });
          attach(opened, live);
          return record;
        } catch {
          // Refused (no permission, a duplicate id in the browser, storage): the fallback does it instead.
        }
      }
      const total = startOptions.downloadTotal;
      const record: Download = { ...base, ...(total !== undefined ? { bytesTotal: total } : {}) };
      await opened.putDownload(record);
      run(id);
      return record;
    },
    get: async (id) => (await store).getDownload(id),
    list: async () => (await store).listDownloads(),
    subscribe(listener) {
      let active = true;
      let unsubscribe: (() => void) | undefined;
      void store.then((opened) => {
        if (!active) return;
        unsubscribe = opened.subscribe((id) => {
          void opened.getDownload(id).then((d) => {
            if (active) listener(id, d);
          });
        });
      });
      return () => {
        active = false;
        unsubscribe?.();
      };
    },
    async pause(id) {
      const found = await must(id);
      if (found.mode !== 'fallback') throw new DownloadActionError('not-pausable', id);
      const paused = await (await store).updateDownload(id, (d) => {
        if (d.state !== 'downloading' && d.state !== 'queued') return null;
        const next: Download = { ...d, state: 'paused', updatedAt: Date.now() };
        delete next.waitingForNetwork;
        return next;
      });
      if (!paused) throw new DownloadActionError('not-pausable', id);
      running.get(id)?.abort();
      return paused;
    },
    async resume(id) {
      const found = await must(id);
      const resumable =
        found.mode === 'fallback' &&
        (found.state === 'paused' || (found.state === 'failed' && found.failureReason !== 'aborted'));
      if (!resumable) throw new DownloadActionError('not-resumable', id);
      const queued = await (await store).updateDownload(id, (d) => {
        const next: Download = { ...d, state: 'queued', updatedAt: Date.now() };
        delete next.failureReason;
        delete next.failureStatus;
        return next;
      });
      // A run of this page may still be winding down from the pause: start once it has.
      running.get(id)?.abort();
      running.delete(id);
      run(id);
      return queued ?? found;
    },
    async abort(id) {
      const found = await must(id);
      if (isSettled(found) && found.failureReason === 'aborted') return found;
      const opened = await store;
      await opened.updateDownload(id, (d) => ({
        ...d,
        state: 'failed',
        failureReason: 'aborted',
        updatedAt: Date.now(),
      }));
      running.get(id)?.abort();
      if (found.mode === 'background-fetch') await (await manager())?.get(id).then((live) => live?.abort());
      return recordAbort(opened, id);
    },
    async delete(id) {
      const found = await (await store).getDownload(id);
      if (!found) return false;
      running.get(id)?.abort();
      if (found.mode === 'background-fetch' && !isSettled(found)) {
        await (await manager())?.get(id).then((live) => live?.abort());
      }
      return (await store).deleteDownload(id);
    },
    async storage() {
      const storage = globalThis.navigator?.storage;
      const estimate = await storage?.estimate?.().catch(() => undefined);
      const persisted = await storage?.persisted?.().catch(() => undefined);
      return { usage: estimate?.usage, quota: estimate?.quota, persisted };
    },
    close() {
      closed = true;
      for (const controller of running.values()) controller.abort();
      running.clear();
      void store.then((opened) => opened.close());
    },
  };
}
