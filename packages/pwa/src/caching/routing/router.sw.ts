// Uses only what the DOM and WebWorker libs share, so unit tests drive it in Node; `listen()` in listen.sw.ts
// wires it to the worker's fetch event.
import { Strategy, type StrategyEvent } from '../strategies/strategy.sw.js';
import { type RouteRequestInfo, RouteTable } from './route-table.js';

/** What a {@link Router}'s function matchers see: the request's parsed facts and the `Request` itself. */
export interface RouteRequest extends RouteRequestInfo {
  /** The request, headers included (route on `Accept`, a custom header, ...). */
  request: Request;
}

/** What a route handler gets. */
export interface RouteContext {
  request: Request;
  url: URL;
  /** Parameters the route's matcher extracted (`:id` in `/api/items/:id`). */
  params: Record<string, string>;
  event?: StrategyEvent | undefined;
}

/** What a catch handler gets: the failed request and why it failed. */
export interface CatchContext extends RouteContext {
  error: unknown;
}

/** A function that answers a routed request. */
export type RouteHandlerFunction = (context: RouteContext) => Promise<Response>;

/** A strategy or a function. */
export type RouteHandler = Strategy | RouteHandlerFunction;

/** Options of {@link Router}. */
export interface RouterOptions {
  /** The origin whose paths string patterns match. Default: the worker's own origin. */
  origin?: string;
}

/**
 * Routes requests to strategies: first match wins; string path patterns, RegExps and functions (which see the
 * whole `Request`), each with a method; a navigation route with allow and deny lists; a default handler for
 * GETs no route took; a catch handler for any handler that failed (the place for offline fallbacks). Patterns
 * compile when registered. A worker has one router answering its fetch events: see `listen` and
 * `precacheAndRoute`.
 *
 * @example
 * ```ts
 * const router = new Router();
 * router.get('/api/items/:id', new NetworkFirst({ cacheName: 'items', networkTimeoutSeconds: 3 }));
 * router.get(/\.(?:png|jpg|svg)$/, new CacheFirst({ cacheName: 'images' }));
 * router.get(({ request }) => request.headers.has('x-no-cache'), new NetworkOnly());
 * router.navigation(new NetworkFirst({ cacheName: 'pages' }), { denylist: [/^\/admin\//] });
 * router.setCatchHandler(offlineFallback({ page: '/offline.html' }));
 * listen(router);
 * ```
 */
export class Router extends RouteTable<RouteHandler, RouteRequest> {
  readonly #origin: string;
  #defaultHandler: RouteHandler | undefined;
  #catchHandler: ((context: CatchContext) => Promise<Response>) | undefined;

  constructor(options: RouterOptions = {}) {
    super();
    this.#origin = options.origin ?? globalThis.location?.origin ?? '';
  }

  /** Answers GET requests that no route matched. Without it they go to the browser untouched. */
  setDefaultHandler(handler: RouteHandler | undefined): this {
    this.#defaultHandler = handler;
    return this;
  }

  /** Answers when a handler rejected (network down and nothing cached, for example). */
  setCatchHandler(handler: ((context: CatchContext) => Promise<Response>) | undefined): this {
    this.#catchHandler = handler;
    return this;
  }

  /**
   * The handler that would answer `request` (the first matching route, else the default handler for a GET),
   * without running it; undefined when the request would be left to the browser.
   */
  findRoute(request: Request): FoundRoute | undefined {
    // Request.url is serialised, so its scheme is lower case: only http(s) requests are routed.
    if (!/^https?:/.test(request.url)) return undefined;
    const url = new URL(request.url);
    const { origin, href, pathname } = url;
    const { method, mode, destination } = request;
    const sameOrigin = origin === this.#origin;
    const matched =
      this.match({ request, url, href, origin, pathname, method, mode, destination, sameOrigin }) ??
      (method === 'GET' && this.#defaultHandler ? { handler: this.#defaultHandler, params: {} } : undefined);
    return matched && { ...matched, url };
  }

  /**
   * The response for `request`, or undefined when no route (and no default handler) takes it, in which case
   * the worker should not call `respondWith` and the browser fetches as if there were no worker.
   */
  handleRequest(request: Request, event?: StrategyEvent): Promise<Response> | undefined {
    const found = this.findRoute(request);
    if (!found) return undefined;
    const { handler, params, url } = found;
    const context: RouteContext = { request, url, params, event };
    // An async wrapper turns a handler's synchronous throw into a rejection the catch handler sees. A strategy
    // takes the same context (its hooks get `url` and `params` as well).
    const response = (async () => (handler instanceof Strategy ? handler.handle(context) : handler(context)))();
    const onError = this.#catchHandler;
    return onError ? response.catch((error: unknown) => onError({ ...context, error })) : response;
  }
}

/** What {@link Router.findRoute} found: the handler that would answer, with its parameters. */
export interface FoundRoute {
  handler: RouteHandler;
  params: Record<string, string>;
  url: URL;
}
