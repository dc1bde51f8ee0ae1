// The downloads store: one IndexedDB database shared by pages and the worker. Its name carries no app version,
// so an update of the app (a new worker) never deletes what the user downloaded. Files are kept as Blob chunks
// keyed by [url, offset]: a fallback download appends one chunk per write (reading the next one meanwhile), so
// memory holds a chunk or two at a time, and an answer to a Range request is a Blob made of chunk references (nothing is copied or read).

import { openChannel, type TypedChannel } from '../channel.web.js';
import { committed, openDatabase, promised } from '../indexeddb.web.js';
import type { Download, StoredFile } from './download.js';
import { DOWNLOADS_CHANNEL, type DownloadsMessage, isDownloadsMessage } from './messages.js';

/** The downloads database's name. It never changes with the app version. */
export const DOWNLOADS_DB = 'outpost-downloads';

interface ChunkRow {
  url: string;
  offset: number;
  data: Blob;
}

/** Thrown by {@link DownloadsStore.append} when the file moved on under the writer (another tab wrote, or it was reset). */
export class StaleWriteError extends Error {
  override readonly name = 'StaleWriteError';
}

/** What {@link DownloadsStore.append} did. */
export type AppendResult =
  /** The chunk is stored; the download as it now stands. */
  | { stored: true; download: Download }
  /** The download is no longer downloading (paused, aborted, deleted): nothing was stored. */
  | { stored: false; download: Download | undefined };

/** The downloads store (see the module comment). Every write is announced on the downloads channel. */
export interface DownloadsStore {
  getDownload(id: string): Promise<Download | undefined>;
  /** Every download, oldest first. */
  listDownloads(): Promise<Download[]>;
  putDownload(download: Download): Promise<void>;
  /**
   * Applies `change` to download `id` in one transaction; null from `change` (or no such download) leaves it
   * alone. Returns the stored result or undefined.
   */
  updateDownload(id: string, change: (download: Download) => Download | null): Promise<Download | undefined>;
  getFile(url: string): Promise<StoredFile | undefined>;
  /** The files of a download. */
  filesOf(downloadId: string): Promise<StoredFile[]>;
  /** Replaces the file record of `file.url`, dropping its stored bytes (a new start at 0). */
  resetFile(file: StoredFile): Promise<void>;
  /**
   * Appends `data` to `url` at `offset` in one transaction with the download's byte count, only while the
   * download is `downloading`. `offset` must equal the bytes stored ({@link StaleWriteError} otherwise);
   * `complete` marks the file whole in the same transaction.
   */
  append(url: string, offset: number, data: Blob, complete: boolean): Promise<AppendResult>;
  /** Stores a whole file in one chunk (a Background Fetch record), replacing whatever was stored for its URL. */
  putWholeFile(file: Omit<StoredFile, 'stored' | 'complete'>, body: Blob): Promise<void>;
  /** The stored bytes of a complete file, as one Blob of chunk references; undefined when not complete. */
  readFile(url: string): Promise<{ file: StoredFile; body: Blob } | undefined>;
  /** Drops the stored bytes of every incomplete file of a download (nothing half-stored survives a failure). */
  dropIncomplete(downloadId: string): Promise<void>;
  /** Deletes a download with its files and bytes. */
  deleteDownload(id: string): Promise<boolean>;
  /** The URLs of every complete file. */
  completeUrls(): Promise<string[]>;
  /** Hears every change from every context of the origin (this one included); returns the unsubscribe. */
  subscribe(listener: (id: string) => void): () => void;
  close(): void;
}

const STORES = ['downloads', 'files', 'chunks'] as const;

/**
 * Opens (creating on first use) the downloads store.
 *
 * @example
 * ```ts
 * const store = await openDownloadsStore();
 * const found = await store.readFile('https://example.com/song.wav');
 * ```
 */
export async function openDownloadsStore(name: string = DOWNLOADS_DB): Promise<DownloadsStore> {
  const db = await openDatabase(name, 1, (created) => {
    created.createObjectStore('downloads', { keyPath: 'id' });
    created.createObjectStore('files', { keyPath: 'url' }).createIndex('downloadId', 'downloadId');
    created.createObjectStore('chunks', { keyPath: ['url', 'offset'] });
  });
  const channel: TypedChannel<DownloadsMessage> = openChannel(DOWNLOADS_CHANNEL, isDownloadsMessage);
  const listeners = new Set<(id: string) => void>();
  const unsubscribeChannel = channel.subscribe((message) => {
    for (const listener of listeners) listener(message.id);
  });
  const changed = (id: string) => {
    channel.post({ type: 'outpost:downloads-changed', id });
    for (const listener of listeners) listener(id);
  };
  const chunksOf = (url: string) => IDBKeyRange.bound([url, 0], [url, Number.POSITIVE_INFINITY]);
  const tx = (mode: IDBTransactionMode) => {
    const transaction = db.transaction([...STORES], mode);
    return {
      done: committed(transaction),
      downloads: transaction.objectStore('downloads'),
      files: transaction.objectStore('files'),
      chunks: transaction.objectStore('chunks'),
    };
  };

  return {
    getDownload: (id) => promised(db.transaction('downloads').objectStore('downloads').get(id)),
    listDownloads: async () => {
      const all: Download[] = await promised(db.transaction('downloads').objectStore('downloads').getAll());
      return all.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async putDownload(download) {
      const t = tx('readwrite');
      t.downloads.put(download);
      await t.done;
      changed(download.id);
    },
    async updateDownload(id, change) {
      const t = tx('readwrite');
      const found: Download | undefined = await promised(t.downloads.get(id));
      const next = found ? change(found) : null;
      if (next) t.downloads.put(next);
      await t.done;
      if (next) changed(id);
      return next ?? undefined;
    },
    getFile: (url) => promised(db.transaction('files').objectStore('files').get(url)),
    filesOf: (downloadId) =>
      promised(db.transaction('files').objectStore('files').index('downloadId').getAll(downloadId)),
    async resetFile(file) {
      const t = tx('readwrite');
      const old: StoredFile | undefined = await promised(t.files.get(file.url));
      t.chunks.delete(chunksOf(file.url));
      t.files.put({ ...file, stored: 0, complete: false });
      const download: Download | undefined = await promised(t.downloads.get(file.downloadId));
      if (download && old && old.downloadId === file.downloadId && old.stored > 0) {
        t.downloads.put({
          ...download,
          bytesDone: Math.max(0, download.bytesDone - old.stored),
          updatedAt: Date.now(),
        });
      }
      await t.done;
      changed(file.downloadId);
    },
    async append(url, offset, data, complete) {
      const t = tx('readwrite');
      const file: StoredFile | undefined = await promised(t.files.get(url));
      if (!file || file.stored !== offset) {
        await t.done;
        throw new StaleWriteError(`${url}: expected to write at ${file?.stored ?? 'nothing'}, not ${offset}`);
      }
      const download: Download | undefined = await promised(t.downloads.get(file.downloadId));
      if (download?.state !== 'downloading') {
        await t.done;
        return { stored: false, download };
      }
      if (data.size > 0) t.chunks.put({ url, offset, data } satisfies ChunkRow);
      t.files.put({ ...file, stored: offset + data.size, complete });
      const next: Download = { ...download, bytesDone: download.bytesDone + data.size, updatedAt: Date.now() };
      t.downloads.put(next);
      await t.done;
      changed(next.id);
      return { stored: true, download: next };
    },
    async putWholeFile(file, body) {
      const t = tx('readwrite');
      t.chunks.delete(chunksOf(file.url));
      t.chunks.put({ url: file.url, offset: 0, data: body } satisfies ChunkRow);
      t.files.put({ ...file, stored: body.size, size: body.size, complete: true } satisfies StoredFile);
      await t.done;
      changed(file.downloadId);
    },
    async readFile(url) {
      const t = db.transaction(['files', 'chunks']);
      const file: StoredFile | undefined = await promised(t.objectStore('files').get(url));
      if (!file?.complete) return undefined;
      const rows: ChunkRow[] = await promised(t.objectStore('chunks').getAll(chunksOf(url)));
      const body = new Blob(
        rows.map((row) => row.data),
        { type: file.type },
      );
      // A file whose chunks do not add up (storage evicted or tampered with) is not offered at all.
      return body.size === file.stored ? { file, body } : undefined;
    },
    async dropIncomplete(downloadId) {
      const t = tx('readwrite');
      const files: StoredFile[] = await promised(t.files.index('downloadId').getAll(downloadId));
      let dropped = 0;
      for (const file of files) {
        if (file.complete) continue;
        dropped += file.stored;
        t.chunks.delete(chunksOf(file.url));
        t.files.put({ ...file, stored: 0 });
      }
      const download: Download | undefined = await promised(t.downloads.get(downloadId));
      if (download && dropped > 0) {
        t.downloads.put({ ...download, bytesDone: Math.max(0, download.bytesDone - dropped), updatedAt: Date.now() });
      }
      await t.done;
      changed(downloadId);
    },
    async deleteDownload(id) {
      const t = tx('readwrite');
      const found: Download | undefined = await promised(t.downloads.get(id));
      const files: StoredFile[] = await promised(t.files.index('downloadId').getAll(id));
      for (const file of files) {
        t.chunks.delete(chunksOf(file.url));
        t.files.delete(file.url);
      }
      t.downloads.delete(id);
      await t.done;
      changed(id);
      return found !== undefined;
    },
    async completeUrls() {
      const files: StoredFile[] = await promised(db.transaction('files').objectStore('files').getAll());
      return files.filter((file) => file.complete).map((file) => file.url);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      unsubscribeChannel();
      channel.close();
      listeners.clear();
      db.close();
    },
  };
}
