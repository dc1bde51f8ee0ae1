// Like precache.sw.ts this uses only types the DOM and WebWorker libs share, so tests can drive it directly.
import { isNavigationListed, type NavigationRouteOptions } from '../routing/route-table.js';
import { raceTimeout } from '../strategies/network-timeout.sw.js';
import { Strategy, type StrategyHandler, type StrategyOptions } from '../strategies/strategy.sw.js';
import type { Precache } from './precache.sw.js';
import { PrecacheManifestError } from './precache-manifest.js';

/** Options of {@link NavigationFallback} and {@link createNavigationHandler}. */
export interface NavigationFallbackOptions extends NavigationRouteOptions, Pick<StrategyOptions, 'plugins' | 'fetch'> {
  /** Where the fallback page is precached. */
  precache: Precache;
  /** The precached page that answers navigations the network cannot, relative to `scope`. Default `index.html`. */
  fallbackUrl?: string;
  /** The scope `fallbackUrl` is resolved against. */
  scope: string;
  /**
   * Give up on the network after this many seconds and answer with the fallback (a connection that hangs is
   * worse than none). The network response still wins if it arrives first. Default: no timeout.
   */
  networkTimeoutSeconds?: number | undefined;
}

/**
 * Network first for navigations; when the network fails, answers 5xx, or exceeds the timeout, the precached copy
 * of the requested page if it is precached, else the precached fallback page (an SPA's shell). A strategy, so its first fetch uses the navigation preload response and plugins
 * see every step; `precacheAndRoute({ navigateFallback })` puts it on the router's navigation route.
 */
export class NavigationFallback extends Strategy {
  readonly #precache: Precache;
  readonly #fallbackUrl: string;
  readonly #timeoutMs: number | undefined;

  constructor(options: NavigationFallbackOptions) {
    super({ plugins: options.plugins, fetch: options.fetch });
    this.#precache = options.precache;
    this.#fallbackUrl = new URL(options.fallbackUrl ?? 'index.html', options.scope).href;
    const seconds = options.networkTimeoutSeconds;
    this.#timeoutMs = seconds === undefined ? undefined : seconds * 1000;
    // Checked at worker start: a fallback that can never be served is a configuration error, not an offline one
    // (PrecacheManifestError: the manifest lacks the page).
    if (!this.#precache.entryFor(this.#fallbackUrl)) {
      throw new PrecacheManifestError('the navigation fallback is not in the precache manifest', this.#fallbackUrl);
    }
  }

  protected async respond(handler: StrategyHandler): Promise<Response> {
    const network = handler.fetch(handler.request);
    // Observed here so a network failure after the timeout already answered is never "unhandled".
    network.catch(() => undefined);
    try {
      const first = await raceTimeout(network, this.#timeoutMs);
      if (first && first.status < 500) return first;
      return (await this.#offlineAnswer(handler.request)) ?? first ?? (await network);
    } catch (error) {
      const fallback = await this.#offlineAnswer(handler.request);
      if (fallback) return fallback;
      throw error;
    }
  }

  /**
   * The precached copy of the page itself when it has one, else the fallback page: this route comes before the
   * precache route, and a multi-page app's other precached pages must not turn into its fallback offline.
   */
  async #offlineAnswer(request: Request): Promise<Response | undefined> {
    return (await this.#precache.match(request)) ?? (await this.#precache.match(this.#fallbackUrl));
  }
}

/** Answers a request, or returns undefined to let the browser handle it. */
export type RequestHandler = (request: Request) => Promise<Response> | undefined;

/**
 * {@link NavigationFallback} as a plain function, with the allow and deny lists applied the way the router's
 * navigation route applies them: GET navigations whose path + query pass the lists get an answer, every other
 * request undefined. For tests and hand-written fetch listeners; workers use `precacheAndRoute`.
 *
 * @example
 * ```ts
 * const handle = createNavigationHandler({ precache, scope, fallbackUrl: 'index.html', networkTimeoutSeconds: 3 });
 * const response = handle(request); // undefined: not ours
 * ```
 */
export function createNavigationHandler(options: NavigationFallbackOptions): RequestHandler {
  const strategy = new NavigationFallback(options);
  return (request) =>
    request.method === 'GET' && isNavigationListed(new URL(request.url), options)
      ? strategy.handle(request)
      : undefined;
}
