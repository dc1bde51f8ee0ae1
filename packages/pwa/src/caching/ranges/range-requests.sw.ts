import type { StrategyPlugin } from '../strategies/plugin.sw.js';
import { contentRange, decideRange } from './range.js';

/**
 * Answers a request carrying `Range` from a full (200) response: 206 with the requested bytes, 416 when the
 * range is past the end, or the full response when the header asks for several ranges or is malformed.
 * Anything but a 200 is returned unchanged. The body is sliced as a Blob, so nothing is copied.
 *
 * @example
 * ```ts
 * const partial = await createPartialResponse(request, await caches.match('/media/song.mp3'));
 * ```
 */
export async function createPartialResponse(request: Request, full: Response): Promise<Response> {
  const header = request.headers.get('range');
  if (!header || full.status !== 200) return full;
  const body = await full.blob();
  const decision = decideRange(header, body.size);
  if (decision.kind === 'full') {
    return new Response(body, { status: 200, statusText: full.statusText, headers: full.headers });
  }
  const headers = new Headers(full.headers);
  if (decision.kind === 'unsatisfiable') {
    headers.set('content-range', contentRange(body.size));
    headers.set('content-length', '0');
    return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers });
  }
  const slice = body.slice(decision.start, decision.end + 1);
  headers.set('content-range', contentRange(body.size, decision));
  headers.set('content-length', String(slice.size));
  headers.set('accept-ranges', 'bytes');
  return new Response(slice, { status: 206, statusText: 'Partial Content', headers });
}

/**
 * A plugin that serves `Range` requests from cached full responses (media seeking offline). Put it last in
 * the plugin list so other plugins see the full cached response. Partial responses from the network are
 * passed through and never cached (the cacheable rules refuse 206).
 */
export function rangeRequests(): StrategyPlugin {
  return {
    cachedResponseWillBeUsed: ({ request, cachedResponse }) =>
      cachedResponse && request.headers.has('range') ? createPartialResponse(request, cachedResponse) : cachedResponse,
  };
}
