import { compilePathPattern, matchPath } from './route-pattern.js';

/** What routing needs to know about a request; the service worker fills it from the `fetch` event. */
export interface RouteRequestInfo {
  url: URL;
  /**
   * `url.href`, `url.origin` and `url.pathname`, read once: URL getters build a new string on every call,
   * which would cost more than the match itself with many routes.
   */
  href: string;
  origin: string;
  pathname: string;
  /** Upper case, as `Request.method` gives it. */
  method: string;
  /** `Request.mode`: `navigate` for page loads. */
  mode: string;
  /** `Request.destination`: `document`, `image`, `audio`, ... or empty. */
  destination: string;
  /** Whether the request goes to the service worker's own origin. */
  sameOrigin: boolean;
}

/**
 * How a route recognises its requests.
 * - A string starting with `/`: a path pattern on the service worker's own origin (see `compilePathPattern`).
 * - A string starting with `http://` or `https://`: an origin followed by a path pattern, for other origins.
 * - A RegExp: tested against the full URL. A request to another origin matches only if the match starts at
 *   the beginning of the URL, so `/\.js$/` never captures a third party's scripts by accident.
 * - A function: returns true, or an object of parameters, to match.
 */
export type RouteMatcher<Info extends RouteRequestInfo = RouteRequestInfo> =
  | string
  | RegExp
  | ((request: Info) => boolean | Record<string, string>);

/** The HTTP method a route answers, or `*` for any. */
export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | '*';

/**
 * Allow and deny lists of a navigation route. Every list in this package (the router's navigation route,
 * `precacheAndRoute`'s navigation fallback) is tested the same way, by {@link isNavigationListed}: against the
 * path plus query string (`/search?q=x`), never the origin.
 */
export interface NavigationRouteOptions {
  /** Only navigations matching one of these. Default: every navigation. */
  allowlist?: readonly RegExp[] | undefined;
  /** Never navigations matching one of these (checked after the allowlist). */
  denylist?: readonly RegExp[] | undefined;
}

/**
 * Whether a navigation to `url` passes the allow and deny lists: tested against `pathname + search`; an empty
 * allowlist allows everything; the denylist wins. `search` ignores a global or sticky RegExp's lastIndex, so a
 * shared RegExp gives the same answer every time.
 *
 * @example
 * ```ts
 * isNavigationListed(new URL('https://app.example/admin/?x'), { denylist: [/^\/admin\//] }); // false
 * ```
 */
export function isNavigationListed(url: URL, { allowlist = [], denylist = [] }: NavigationRouteOptions): boolean {
  const target = url.pathname + url.search;
  const listed = (list: readonly RegExp[]) => list.some((re) => target.search(re) >= 0);
  return (allowlist.length === 0 || listed(allowlist)) && !listed(denylist);
}

/** A route that matched, with the parameters its matcher extracted. */
export interface MatchedRoute<H> {
  handler: H;
  params: Record<string, string>;
}

/** Parameters when the request matches, anything falsy when it does not. */
type CompiledMatcher<Info> = (request: Info) => Record<string, string> | false | null | undefined;

interface CompiledRoute<H, Info> {
  method: string;
  matches: CompiledMatcher<Info>;
  handler: H;
}

/**
 * An ordered list of routes: the first route whose method and matcher accept a request wins. Matchers are
 * compiled when added, so a lookup only runs precompiled RegExps and closures. Pure: no platform globals, so
 * unit tests drive it directly; the service worker's `Router` extends it with `Info` carrying the `Request`
 * (so a function matcher can read headers).
 *
 * @example
 * ```ts
 * const table = new RouteTable<string>().get('/api/:id', 'api').register('/api/:id', 'edit', 'PUT');
 * table.match(info)?.handler; // 'api' for GET /api/7
 * ```
 */
export class RouteTable<H, Info extends RouteRequestInfo = RouteRequestInfo> {
  readonly #routes: CompiledRoute<H, Info>[] = [];

  /** Adds a route for `method` at the end (it loses to every route added before it). */
  register(matcher: RouteMatcher<Info>, handler: H, method: RouteMethod = 'GET'): this {
    this.#routes.push({ method, matches: compileMatcher(matcher), handler });
    return this;
  }

  /** Adds a GET route at the end. */
  get(matcher: RouteMatcher<Info>, handler: H): this {
    return this.register(matcher, handler);
  }

  /** Adds a route for page navigations (GET, `mode: 'navigate'`) filtered by allow and deny lists. */
  navigation(handler: H, lists: NavigationRouteOptions = {}): this {
    return this.register(({ mode, url }) => mode === 'navigate' && isNavigationListed(url, lists), handler);
  }

  /** The first route that accepts `request`, or undefined. */
  match(request: Info): MatchedRoute<H> | undefined {
    for (const { method, matches, handler } of this.#routes) {
      const params = (method === '*' || method === request.method) && matches(request);
      if (params) return { handler, params };
    }
    return undefined;
  }

  /** How many routes are registered. */
  get size(): number {
    return this.#routes.length;
  }
}

// A match without parameters gets a fresh empty object, so a handler that writes to its params changes nobody
// else's.
function compileMatcher<Info extends RouteRequestInfo>(matcher: RouteMatcher<Info>): CompiledMatcher<Info> {
  if (typeof matcher === 'function') {
    return (request) => {
      const result = matcher(request);
      return result === true ? {} : result;
    };
  }
  if (matcher instanceof RegExp) {
    // A global or sticky RegExp keeps state in lastIndex between calls; a copy without those flags does not.
    const re = new RegExp(matcher.source, matcher.flags.replace(/[gy]/g, ''));
    return (request) => {
      const found = re.exec(request.href);
      return found && (request.sameOrigin || !found.index) && { ...found.groups };
    };
  }
  // A string is a path pattern on the worker's own origin, or an origin followed by a path pattern.
  const [, origin, path = ''] = /^(\w[\w+.-]*:\/\/[^/]*)?(.*)/.exec(matcher) ?? [];
  const compiled = compilePathPattern(origin ? path || '/*' : path);
  return (request) =>
    (origin ? request.origin === origin : request.sameOrigin) && matchPath(compiled, request.pathname);
}
