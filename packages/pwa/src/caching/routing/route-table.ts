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
export type RouteMatcher = string | RegExp | ((request: RouteRequestInfo) => boolean | Record<string, string>);

/** The HTTP method a route answers, or `*` for any. */
export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | '*';

/** Allow and deny lists of a navigation route, tested against the path plus query string. */
export interface NavigationRouteOptions {
  /** Only navigations matching one of these. Default: every navigation. */
  allowlist?: readonly RegExp[];
  /** Never navigations matching one of these (checked after the allowlist). */
  denylist?: readonly RegExp[];
}

/** A route that matched, with the parameters its matcher extracted. */
export interface MatchedRoute<H> {
  handler: H;
  params: Record<string, string>;
}

/** Parameters when the request matches, anything falsy when it does not. */
type CompiledMatcher = (request: RouteRequestInfo) => Record<string, string> | false | null | undefined;

interface CompiledRoute<H> {
  method: string;
  matches: CompiledMatcher;
  handler: H;
}

/**
 * An ordered list of routes: the first route whose method and matcher accept a request wins. Matchers are
 * compiled when added, so a lookup only runs precompiled RegExps and closures. Pure: no platform globals, so
 * unit tests drive it directly; the service worker's `Router` extends it.
 *
 * @example
 * ```ts
 * const table = new RouteTable<string>().get('/api/:id', 'api').register('/api/:id', 'edit', 'PUT');
 * table.match(info)?.handler; // 'api' for GET /api/7
 * ```
 */
export class RouteTable<H> {
  readonly #routes: CompiledRoute<H>[] = [];

  /** Adds a route for `method` at the end (it loses to every route added before it). */
  register(matcher: RouteMatcher, handler: H, method: RouteMethod = 'GET'): this {
    this.#routes.push({ method, matches: compileMatcher(matcher), handler });
    return this;
  }

  /** Adds a GET route at the end. */
  get(matcher: RouteMatcher, handler: H): this {
    return this.register(matcher, handler);
  }

  /** Adds a route for page navigations (GET, `mode: 'navigate'`) filtered by allow and deny lists. */
  navigation(handler: H, { allowlist = [], denylist = [] }: NavigationRouteOptions = {}): this {
    // `search` ignores a global or sticky RegExp's lastIndex, so a shared RegExp matches the same every time.
    const listed = (list: readonly RegExp[], target: string) => list.some((re) => target.search(re) >= 0);
    return this.register(({ mode, pathname, url }) => {
      const target = pathname + url.search;
      return mode === 'navigate' && !(allowlist[0] && !listed(allowlist, target)) && !listed(denylist, target);
    }, handler);
  }

  /** The first route that accepts `request`, or undefined. */
  match(request: RouteRequestInfo): MatchedRoute<H> | undefined {
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
function compileMatcher(matcher: RouteMatcher): CompiledMatcher {
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
  const [, origin, path] = /^(\w[\w+.-]*:\/\/[^/]*)?(.*)/.exec(matcher) as unknown as [
    string,
    string | undefined,
    string,
  ];
  const compiled = compilePathPattern(origin ? path || '/*' : path);
  return (request) =>
    (origin ? request.origin === origin : request.sameOrigin) && matchPath(compiled, request.pathname);
}
