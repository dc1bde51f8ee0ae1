import type { BackgroundFetchOptionsLike, BackgroundFetchRegistrationLike } from './background-fetch.web.js';
import { serveDownload } from './serve.sw.js';
import { recordAbort, settleBackgroundFetch } from './settle.web.js';
import { DOWNLOADS_DB, type DownloadsStore, openDownloadsStore } from './store.web.js';

declare const self: ServiceWorkerGlobalScope;

/** The worker's Background Fetch events, as this module reads them. */
export interface BackgroundFetchEventLike extends ExtendableEvent {
  readonly registration: BackgroundFetchRegistrationLike;
  /** Only on success and fail events. */
  updateUI?(options: { title?: string; icons?: BackgroundFetchOptionsLike['icons'] }): Promise<void>;
}

declare global {
  /** The Background Fetch events, which TypeScript's WebWorker lib does not declare. */
  interface ServiceWorkerGlobalScopeEventMap {
    backgroundfetchsuccess: BackgroundFetchEventLike;
    backgroundfetchfail: BackgroundFetchEventLike;
    backgroundfetchabort: BackgroundFetchEventLike;
    backgroundfetchclick: BackgroundFetchEventLike;
  }
}

/** Options of {@link handleDownloads}. */
export interface HandleDownloadsOptions {
  /** The page a click on the browser's download UI focuses or opens. Default: the registration's scope. */
  downloadsPage?: string;
  /**
   * Which requests may be for a downloaded file while the worker is still loading its list of downloaded
   * URLs (the first fetch after the worker started): those wait for the list, the rest pass straight on.
   * Default: media (`audio`, `video`, `track`) and any request with a `Range` header.
   */
  mayBeDownload?: (request: Request) => boolean;
  /** The title the browser's download UI shows once a fetch ended. Default: the download's title, plus ✓ or ✗. */
  finishedTitle?: (title: string, succeeded: boolean) => string;
  /** Called with each answer served from the store (a log, a metric, a test's probe). */
  onServe?: (request: Request, response: Response) => void;
  /** The downloads database (tests). Default {@link DOWNLOADS_DB}. */
  dbName?: string;
}

/** What {@link handleDownloads} returns. */
export interface DownloadsWorker {
  /** The downloads store, once open. */
  readonly store: Promise<DownloadsStore>;
  /** Answers a request from the store, or undefined when its URL is not a complete download. */
  respond(request: Request): Promise<Response | undefined>;
  /** The click logic of `backgroundfetchclick` (see {@link openDownloadsPage}). */
  openPage(): Promise<WindowClient | null>;
}

const defaultMayBeDownload = (request: Request): boolean =>
  request.destination === 'audio' ||
  request.destination === 'video' ||
  request.destination === 'track' ||
  request.headers.has('range');

/**
 * Installs the downloads capability in a service worker:
 * - a `fetch` listener that answers every GET for a downloaded URL from the downloads store, whatever the
 *   network (206 for a `Range`, 416 when unsatisfiable). Call `handleDownloads` BEFORE the router's `listen()`
 *   or `precacheAndRoute()`: the first listener that calls `respondWith` wins, so downloads take precedence
 *   and every other request passes through untouched to the listeners after it;
 * - `backgroundfetchsuccess` / `backgroundfetchfail`: inside `waitUntil`, every record's response is copied
 *   into the store, the outcome recorded, then `updateUI()` is called once;
 * - `backgroundfetchabort`: what was stored is deleted, the download recorded `failed` / `aborted`;
 * - `backgroundfetchclick`: focuses or opens the downloads page.
 *
 * @example
 * ```ts
 * // sw.ts
 * handleDownloads({ downloadsPage: '/music' });
 * precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST);
 * ```
 */
export function handleDownloads(options: HandleDownloadsOptions = {}): DownloadsWorker {
  const store = openDownloadsStore(options.dbName ?? DOWNLOADS_DB);
  const mayBeDownload = options.mayBeDownload ?? defaultMayBeDownload;
  const finishedTitle = options.finishedTitle ?? ((title, ok) => `${title} ${ok ? '✓' : '✗'}`);
  const pageUrl = () => new URL(options.downloadsPage ?? self.registration.scope, self.registration.scope).href;

  // The URLs of complete downloads, kept in memory so a fetch can decide synchronously whether to answer.
  let urls: Set<string> | undefined;
  const refresh = async (): Promise<void> => {
    urls = new Set(await (await store).completeUrls());
  };
  const loaded = refresh();
  void store.then((opened) => opened.subscribe(() => void refresh()));

  const respond = async (request: Request) => {
    const response = await serveDownload(await store, request);
    if (response) options.onServe?.(request, response);
    return response;
  };
  /** From the store, or from the network when the file went away between the check and the read. */
  const answer = async (request: Request) => (await respond(request)) ?? fetch(request);

  self.addEventListener('fetch', (event) => {
    const { request } = event;
    if (request.method !== 'GET') return;
    if (urls) {
      if (urls.has(request.url)) event.respondWith(answer(request));
      return;
    }
    if (!mayBeDownload(request)) return;
    event.respondWith(loaded.then(() => (urls?.has(request.url) ? answer(request) : fetch(request))));
  });

  const settle = (event: BackgroundFetchEventLike, succeeded: boolean) =>
    event.waitUntil(
      (async () => {
        const { download } = await settleBackgroundFetch(await store, event.registration);
        await refresh();
        await event.updateUI?.({ title: finishedTitle(download.title, succeeded && download.state === 'succeeded') });
      })(),
    );
  self.addEventListener('backgroundfetchsuccess', (event) => settle(event, true));
  self.addEventListener('backgroundfetchfail', (event) => settle(event, false));
  self.addEventListener('backgroundfetchabort', (event) => {
    const { registration } = event;
    event.waitUntil(
      (async () => {
        await recordAbort(await store, registration.id);
        await refresh();
      })(),
    );
  });
  self.addEventListener('backgroundfetchclick', (event) => {
    event.waitUntil(openDownloadsPage(self.clients, pageUrl()).catch(() => null));
  });

  return { store, respond, openPage: () => openDownloadsPage(self.clients, pageUrl()) };
}

/**
 * Focuses a window already showing the downloads page (same origin and path), or opens it. Call it from the
 * click event itself: focusing and opening need the click's user activation, used once.
 *
 * @example
 * ```ts
 * await openDownloadsPage(self.clients, new URL('/music', self.registration.scope).href);
 * ```
 */
export async function openDownloadsPage(clients: Clients, url: string): Promise<WindowClient | null> {
  const target = new URL(url);
  const windows = await clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => {
    const at = new URL(client.url);
    return at.origin === target.origin && at.pathname === target.pathname;
  });
  if (open) return open.focus();
  return clients.openWindow(target.href);
}
