import { createPartialResponse } from '../caching/ranges/range-requests.sw.js';
import type { DownloadsStore } from './store.web.js';

/** The header on every response served from the downloads store (tests and devtools can tell it apart). */
export const FROM_DOWNLOADS_HEADER = 'x-outpost-download';

/**
 * Answers `request` from the downloads store: 200 with the whole file, 206 for a single `Range` (open and
 * suffix ranges included), 416 when the range starts past the end; undefined when the URL is not a complete
 * download. The range arithmetic is the caching layer's (`decideRange`), the body a Blob of chunk references.
 *
 * @example
 * ```ts
 * const response = await serveDownload(store, new Request(url, { headers: { range: 'bytes=1000-' } }));
 * response?.status; // 206
 * ```
 */
export async function serveDownload(store: DownloadsStore, request: Request): Promise<Response | undefined> {
  const found = await store.readFile(request.url);
  if (!found) return undefined;
  const { file, body } = found;
  const headers = new Headers({
    'content-type': file.type || 'application/octet-stream',
    'content-length': String(body.size),
    'accept-ranges': 'bytes',
    [FROM_DOWNLOADS_HEADER]: file.downloadId,
  });
  if (file.validator.etag) headers.set('etag', file.validator.etag);
  if (file.validator.lastModified) headers.set('last-modified', file.validator.lastModified);
  return createPartialResponse(request, new Response(body, { status: 200, headers }));
}
