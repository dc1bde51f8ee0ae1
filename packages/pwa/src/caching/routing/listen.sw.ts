import { Router } from './router.sw.js';

declare const self: ServiceWorkerGlobalScope;

/** Options of {@link listen}. */
export interface ListenOptions {
  /**
   * Turn navigation preload on at activate, where the browser supports it: the navigation request starts
   * while the worker boots, and the navigation strategy's first fetch uses it. Default true. The first
   * `listen` call of a worker decides it (that call adds the worker's one fetch listener).
   */
  navigationPreload?: boolean;
}

/** The routers answering this worker's fetch events, in the order they were given to {@link listen}. */
const routers: Router[] = [];

/**
 * Makes `router` answer the worker's fetch events. A worker has ONE fetch listener, added by the first call:
 * it asks each listening router in turn and the first with a route for the request answers it, so no request
 * is ever answered twice (a second fetch listener calling `respondWith` would throw). Listening to the same
 * router twice changes nothing. With navigation preload on, every navigation waits on its preload response
 * (even one no route takes), so the browser never cancels it with a console warning.
 *
 * @example
 * ```ts
 * const router = new Router();
 * precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST, { router });
 * router.get('/api/*', new NetworkFirst({ cacheName: 'api' }));
 * listen(router);
 * ```
 */
export function listen(router: Router, options: ListenOptions = {}): Router {
  if (routers.includes(router)) return router;
  routers.push(router);
  if (routers.length > 1) return router;
  const preload = options.navigationPreload ?? true;
  if (preload) {
    self.addEventListener('activate', (event) => {
      const manager = self.registration.navigationPreload;
      if (manager) event.waitUntil(manager.enable());
    });
  }
  self.addEventListener('fetch', (event) => {
    if (preload && event.request.mode === 'navigate' && event.preloadResponse) {
      event.waitUntil(event.preloadResponse.catch(() => undefined));
    }
    for (const listening of routers) {
      const response = listening.handleRequest(event.request, event);
      if (response) return event.respondWith(response);
    }
  });
  return router;
}

/**
 * The router answering this worker's fetch events: the first one given to {@link listen}, or else a new one
 * that listens from now on (with navigation preload). `precacheAndRoute` adds its routes here when it is not
 * given a router, so runtime routes added here before or after it share the one fetch listener.
 *
 * @example
 * ```ts
 * precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST);
 * defaultRouter().get('/api/*', new StaleWhileRevalidate({ cacheName: 'api' }));
 * ```
 */
export function defaultRouter(): Router {
  return routers[0] ?? listen(new Router());
}
