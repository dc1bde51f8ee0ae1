import { broadcast } from '../../channel.web.js';
import { CACHING_CHANNEL, type CachingMessage } from '../messages.js';
import { hasResponseChanged, VERSION_HEADERS } from './cacheable.js';
import type { StrategyPlugin } from './plugin.sw.js';

/** Options of {@link broadcastUpdate}. */
export interface BroadcastUpdateOptions {
  /** Headers compared to decide whether a refresh changed the resource. Default ETag, Last-Modified, Content-Length. */
  headers?: readonly string[];
  /** Default `outpost:caching`; pages listen with `onCacheUpdated()` from `@outpost/pwa/client`. */
  channelName?: string;
}

/**
 * Tells pages when a cache write replaced a response with a different version (by ETag, Last-Modified or
 * Content-Length). Meant for stale-while-revalidate: the page showed the stale copy and can now refresh.
 * A first write (nothing cached before) is not an update and is not broadcast.
 *
 * @example
 * ```ts
 * router.get('/api/inbox', new StaleWhileRevalidate({ cacheName: 'inbox', plugins: [broadcastUpdate()] }));
 * ```
 */
export function broadcastUpdate(options: BroadcastUpdateOptions = {}): StrategyPlugin {
  const headers = options.headers ?? VERSION_HEADERS;
  return {
    cacheDidUpdate({ cacheName, request, oldResponse, newResponse }) {
      if (!oldResponse || !hasResponseChanged(oldResponse, newResponse, headers)) return;
      broadcast<CachingMessage>(options.channelName ?? CACHING_CHANNEL, {
        type: 'outpost:cache-updated',
        cacheName,
        url: request.url,
      });
    },
  };
}
