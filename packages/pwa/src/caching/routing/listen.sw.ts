import type { Router } from './router.sw.js';

declare const self: ServiceWorkerGlobalScope;

/** Options of {@link listen}. */
export interface ListenOptions {
  /**
   * Turn navigation preload on at activate, where the browser supports it: the navigation request starts
   * while the worker boots, and the navigation strategy's first fetch uses it. Default true.
   */
  navigationPreload?: boolean;
}

/**
 * Answers the worker's fetch events with `router`. With navigation preload on, every navigation waits on its
 * preload response (even one no route takes), so the browser never cancels it with a console warning.
 *
 * @example
 * ```ts
 * const router = new Router();
 * router.get('/api/*', new NetworkFirst({ cacheName: 'api' }));
 * listen(router);
 * ```
 */
export function listen(router: Router, options: ListenOptions = {}): void {
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
    const response = router.handleRequest(event.request, event);
    if (response) event.respondWith(response);
  });
}
