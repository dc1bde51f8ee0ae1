import { isLifecycleMessage } from './messages.js';

declare const self: ServiceWorkerGlobalScope;

/** Options for {@link handleLifecycle}. */
export interface LifecycleOptions {
  /**
   * Take control of open pages as soon as this worker activates. On a first install that is what makes the page
   * that registered the worker controlled (and so work offline) without a reload. Default true.
   */
  claimClients?: boolean;
}

/**
 * Installs the service-worker side of the lifecycle: claims clients on activate and lets the page activate a
 * waiting version (`applyUpdate()` in `@outpost/pwa/client`). A new version never activates itself, so a page is
 * never switched to new code in the middle of a task.
 */
export function handleLifecycle(options: LifecycleOptions = {}): void {
  if (options.claimClients ?? true) {
    self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
  }
  self.addEventListener('message', (event) => {
    if (isLifecycleMessage(event.data)) event.waitUntil(self.skipWaiting());
  });
}
