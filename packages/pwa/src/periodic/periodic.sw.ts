import { type HandlePeriodicOptions, installPeriodic, type PeriodicRunner, type PeriodicScope } from './install.sw.js';

export {
  type HandlePeriodicOptions,
  installPeriodic,
  type PeriodicHandlerEntry,
  type PeriodicRunner,
  type PeriodicScope,
} from './install.sw.js';

declare const self: ServiceWorkerGlobalScope;

/**
 * Installs the periodic handlers in a service worker: a `periodicsync` event runs its tag's handler inside
 * `waitUntil`, and so does an `outpost:periodic-run` message from a page's fallback (launch, visible again) where
 * the browser has no Periodic Background Sync or refused it. Each run is limited by its budget, commits its
 * stage only when it finished in time, and is recorded durably; its record goes out on the `outpost:periodic` channel.
 * Two requests for one tag while it runs share the run.
 *
 * @example
 * ```ts
 * // sw.ts
 * handlePeriodic({
 *   handlers: { 'update-news': { run: refreshNews, budgetMs: 30_000, caches: { 'news-images': { maxEntries: 40 } } } },
 * });
 * ```
 */
export function handlePeriodic(options: HandlePeriodicOptions): PeriodicRunner {
  const scope: PeriodicScope = self;
  return installPeriodic(scope, options);
}

declare global {
  /** Periodic Background Sync's event, which TypeScript's WebWorker lib does not declare. */
  interface ServiceWorkerGlobalScopeEventMap {
    periodicsync: ExtendableEvent & { readonly tag: string };
  }
}
