// Like precache.sw.ts this uses only types the DOM and WebWorker libs share, so tests can drive it directly.

import { raceTimeout } from '../strategies/network-timeout.sw.js';
import type { Precache } from './precache.sw.js';

/** Options for {@link createNavigationHandler}. */
export interface NavigationFallbackOptions {
  /** Where the app shell is precached. */
  precache: Precache;
  /** The precached page that answers navigations the network cannot. Relative to the scope. Default `index.html`. */
  fallbackUrl?: string;
  /** The scope `fallbackUrl` is resolved against. */
  scope: string;
  /**
   * Give up on the network after this long and answer from the precache (a connection that hangs is worse than
   * none). The network response still wins if it arrives first. Default: no timeout.
   */
  networkTimeoutMs?: number;
  /** Navigations whose path matches one of these are left to the network (for example `/^\/api\//`). */
  denylist?: readonly RegExp[];
  fetch?: (request: Request) => Promise<Response>;
}

/** Answers a request, or returns undefined to let the browser handle it. */
export type RequestHandler = (request: Request) => Promise<Response> | undefined;

/**
 * Network first for navigations, the precached app shell when the network fails, answers 5xx, or exceeds the
 * timeout. This is what lets a reload while offline render the shell, and the shell's own router take over.
 *
 * @example
 * ```ts
 * const handle = createNavigationHandler({ precache, scope: self.registration.scope, networkTimeoutMs: 3000 });
 * self.addEventListener('fetch', (event) => {
 *   const response = event.request.mode === 'navigate' ? handle(event.request) : undefined;
 *   if (response) event.respondWith(response);
 * });
 * ```
 */
export function createNavigationHandler(options: NavigationFallbackOptions): RequestHandler {
  const fallbackUrl = new URL(options.fallbackUrl ?? 'index.html', options.scope).href;
  const denylist = options.denylist ?? [];
  const fetchNetwork = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  if (!options.precache.entryFor(fallbackUrl)) {
    throw new Error(`navigation fallback ${fallbackUrl} is not in the precache manifest`);
  }

  return (request) => {
    if (request.method !== 'GET') return undefined;
    const { pathname } = new URL(request.url);
    if (denylist.some((pattern) => pattern.test(pathname))) return undefined;
    return networkThenShell(request, fetchNetwork, () => options.precache.match(fallbackUrl), options.networkTimeoutMs);
  };
}

async function networkThenShell(
  request: Request,
  fetchNetwork: (request: Request) => Promise<Response>,
  shell: () => Promise<Response | undefined>,
  timeoutMs: number | undefined,
): Promise<Response> {
  const network = fetchNetwork(request);
  // Observe the rejection here so a network failure after the timeout already answered is never "unhandled".
  network.catch(() => undefined);
  try {
    const first = await raceTimeout(network, timeoutMs);
    if (first && first.status < 500) return first;
    const cached = await shell();
    if (cached) return cached;
    return first ?? (await network);
  } catch (error) {
    const cached = await shell();
    if (cached) return cached;
    throw error;
  }
}
