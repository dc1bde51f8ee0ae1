// What the worker does when a Background Fetch ends: copy each record's response into the downloads store
// (records are readable only while the event runs, so this runs inside its waitUntil), then record the end.

import type { BackgroundFetchRecordLike, BackgroundFetchRegistrationLike } from './background-fetch.web.js';
import type { Download, DownloadFailureReason } from './download.js';
import { lengthOf } from './resume.js';
import type { DownloadsStore } from './store.web.js';

/** How a settled Background Fetch ended, as stored. */
export interface SettledFetch {
  download: Download;
  /** URLs whose whole response is now in the store. */
  stored: string[];
}

/** The response of a record; a rejected `responseReady` does not mean none arrived, so match once more. */
async function responseOf(
  registration: BackgroundFetchRegistrationLike,
  record: BackgroundFetchRecordLike,
): Promise<Response | undefined> {
  try {
    return await record.responseReady;
  } catch {
    const again = await registration.match(record.request).catch(() => undefined);
    return again?.responseReady.catch(() => undefined);
  }
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

/**
 * Copies every complete (200) response of a finished Background Fetch into the store and records the
 * outcome: `succeeded` when the fetch succeeded and every file is stored, else `failed` with the fetch's
 * reason (`bad-status` when a response was not a 200, `quota-exceeded` when storing hit the quota). Files
 * that arrived whole are kept on failure; nothing partial is ever stored.
 *
 * @example
 * ```ts
 * self.addEventListener('backgroundfetchsuccess', (event) =>
 *   event.waitUntil(settleBackgroundFetch(store, event.registration)));
 * ```
 */
export async function settleBackgroundFetch(
  store: DownloadsStore,
  registration: BackgroundFetchRegistrationLike,
): Promise<SettledFetch> {
  const existing = await store.getDownload(registration.id);
  const now = Date.now();
  const base: Download = existing ?? {
    id: registration.id,
    title: registration.id,
    urls: [],
    mode: 'background-fetch',
    state: 'downloading',
    bytesDone: 0,
    createdAt: now,
    updatedAt: now,
  };
  const records = await registration.matchAll();
  const stored: string[] = [];
  let reason: DownloadFailureReason | undefined =
    registration.result === 'success' ? undefined : registration.failureReason || 'fetch-error';
  let bytes = 0;
  for (const record of records) {
    const response = await responseOf(registration, record);
    if (response?.status !== 200) {
      reason ??= 'bad-status';
      continue;
    }
    try {
      const body = await response.blob();
      await store.putWholeFile(
        {
          url: record.request.url,
          downloadId: registration.id,
          size: body.size,
          type: response.headers.get('content-type') ?? body.type,
          validator: {
            ...(response.headers.get('etag') ? { etag: response.headers.get('etag') ?? '' } : {}),
            ...(response.headers.get('last-modified')
              ? { lastModified: response.headers.get('last-modified') ?? '' }
              : {}),
          },
        },
        body,
      );
      stored.push(record.request.url);
      bytes += body.size;
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      reason = 'quota-exceeded';
      break;
    }
  }
  const urls = base.urls.length > 0 ? base.urls : records.map((record) => record.request.url);
  if (reason === undefined && stored.length < urls.length) reason = 'fetch-error';
  const final: Download = {
    ...base,
    urls,
    state: reason ? 'failed' : 'succeeded',
    bytesDone: bytes,
    ...(reason ? {} : { bytesTotal: bytes }),
    updatedAt: Date.now(),
  };
  delete final.waitingForNetwork;
  if (reason) final.failureReason = reason;
  else delete final.failureReason;
  await store.putDownload(final);
  return { download: final, stored };
}

/**
 * Records an aborted download (Background Fetch or fallback): whatever of it was stored is deleted (nothing half-done stays
 * playable) and the download is `failed` with reason `aborted`.
 */
export async function recordAbort(store: DownloadsStore, id: string): Promise<Download | undefined> {
  for (const file of await store.filesOf(id)) await store.resetFile(file);
  return store.updateDownload(id, (download) => ({
    ...download,
    state: 'failed',
    failureReason: 'aborted',
    bytesDone: 0,
    updatedAt: Date.now(),
  }));
}

/** The size a response announces, for progress before the body is read. */
export function announcedSize(response: Response): number | undefined {
  return lengthOf(response.headers.get('content-length'));
}
