import type { Precache } from '../precache/precache.sw.js';
import type { CatchContext } from './router.sw.js';

// The one worker global this module reads, declared by its type that the DOM lib has too: unit tests type-check
// this module with the DOM lib (and always pass `scope`).
declare const self: { readonly registration: ServiceWorkerRegistration };

/** Options of {@link offlineFallback}. */
export interface OfflineFallbackOptions {
  /** A page (precached) shown for failed navigations, absolute or relative to `scope`. */
  page?: string;
  /** An image (precached) shown for failed image requests. */
  image?: string;
  /** Where the fallbacks are precached. Without it they are looked up in every cache. */
  precache?: Precache;
  /** What `page` and `image` are resolved against. Default: the worker's registration scope. */
  scope?: string;
  caches?: CacheStorage;
}

/**
 * A catch handler (`router.setCatchHandler(...)`) that answers failed navigations with a precached page and
 * failed images with a precached image; anything else stays a network error, which is what the page would
 * have seen without a worker.
 *
 * @example
 * ```ts
 * router.setCatchHandler(offlineFallback({ precache, page: 'offline.html', image: 'offline.svg' }));
 * ```
 */
export function offlineFallback(options: OfflineFallbackOptions): (context: CatchContext) => Promise<Response> {
  const scope = options.scope ?? self.registration.scope;
  const resolve = (url: string | undefined) => url && new URL(url, scope).href;
  const page = resolve(options.page);
  const image = resolve(options.image);
  // Precache.match and CacheStorage.match take the same URL argument.
  const from = options.precache ?? options.caches ?? caches;
  return async ({ request: { mode, destination } }) => {
    const target = mode === 'navigate' || destination === 'document' ? page : destination === 'image' && image;
    return (target && (await from.match(target))) || Response.error();
  };
}
