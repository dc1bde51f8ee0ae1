import { openChannel } from '../channel.web.js';
import {
  CACHING_CHANNEL,
  type CachingMessage,
  isCachingMessage,
  isPrecacheReport,
  type PrecacheFailureReport,
  type PrecacheReport,
  precacheReportUrl,
  REPORT_CACHE,
} from './messages.js';

/**
 * Listens to every caching message the service worker broadcasts (see `CachingMessage`). Returns a function
 * that stops listening. Where BroadcastChannel is missing it does nothing and returns a no-op.
 *
 * @example
 * ```ts
 * const stop = onCachingMessage((message) => console.log(message.type));
 * ```
 */
export function onCachingMessage(
  listener: (message: CachingMessage) => void,
  channelName = CACHING_CHANNEL,
): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => undefined;
  const channel = openChannel(channelName, isCachingMessage);
  channel.subscribe(listener);
  return () => channel.close();
}

/**
 * Called when stale-while-revalidate (with `broadcastUpdate()` in the worker) replaced a cached response with
 * a different version: the page showed the old one and may refresh.
 *
 * @example
 * ```ts
 * onCacheUpdated(({ url }) => { if (url.endsWith('/api/inbox')) reloadInbox(); });
 * ```
 */
export function onCacheUpdated(listener: (update: { cacheName: string; url: string }) => void): () => void {
  return onCachingMessage((message) => {
    if (message.type === 'outpost:cache-updated') listener({ cacheName: message.cacheName, url: message.url });
  });
}

/**
 * Called when a new version's precache failed, with each URL that failed and why. The installed version keeps
 * serving; the failed one is discarded. Subscribe early: the report is broadcast once, while it happens.
 */
export function onPrecacheFailed(listener: (failures: PrecacheFailureReport[]) => void): () => void {
  return onCachingMessage((message) => {
    if (message.type === 'outpost:precache-failed') listener(message.failures);
  });
}

/** Called when a precache version finished installing, with how many files were downloaded and reused. */
export function onPrecacheInstalled(
  listener: (installed: { cacheName: string; fetched: number; reused: number }) => void,
): () => void {
  return onCachingMessage((message) => {
    if (message.type !== 'outpost:precache-installed') return;
    const { cacheName, fetched, reused } = message;
    listener({ cacheName, fetched, reused });
  });
}

/**
 * The outcome of the last precache install of `scope` (default: the registration controlling this page's
 * URL), including the failures of one that no open page heard about. Undefined when there is none yet.
 *
 * @example
 * ```ts
 * const report = await lastPrecacheReport();
 * if (report?.type === 'outpost:precache-failed') showDeployProblem(report.failures);
 * ```
 */
export async function lastPrecacheReport(
  scope?: string,
  storage: CacheStorage | undefined = globalThis.caches,
): Promise<PrecacheReport | undefined> {
  const target = scope ?? (await globalThis.navigator?.serviceWorker?.getRegistration())?.scope;
  if (!target || !storage) return undefined;
  const stored = await storage.match(precacheReportUrl(target), { cacheName: REPORT_CACHE });
  if (!stored) return undefined;
  const data: unknown = await stored.json().catch(() => undefined);
  return isPrecacheReport(data) ? data : undefined;
}
