/**
 * A compiled path pattern: the RegExp is built once, when the route is registered, never per request.
 * `keys` lists the parameter names in the order of the RegExp's capture groups.
 */
export interface CompiledPathPattern {
  readonly source: string;
  readonly regexp: RegExp;
  readonly keys: readonly string[];
}

/** Thrown for a path pattern that cannot be compiled (for example two parameters with one name). */
export class RoutePatternError extends Error {
  override readonly name = 'RoutePatternError';
  readonly pattern: string;
  constructor(message: string, pattern: string) {
    super(`${message}: ${JSON.stringify(pattern)}`);
    this.pattern = pattern;
  }
}

/**
 * Compiles a path pattern. `:name` matches one non-empty path segment (no `/`) and is returned as a
 * parameter; `*` matches any run of characters, slashes included (returned as parameter `*`, or `*1`, `*2`
 * for later stars); everything else matches itself literally. The whole path must match.
 *
 * @example
 * ```ts
 * const p = compilePathPattern('/api/users/:id/*');
 * matchPath(p, '/api/users/42/posts/7'); // { id: '42', '*': 'posts/7' }
 * matchPath(p, '/api/users//posts');     // null (':id' needs a non-empty segment)
 * ```
 */
export function compilePathPattern(pattern: string): CompiledPathPattern {
  if (pattern[0] !== '/') throw new RoutePatternError('a path pattern starts with "/"', pattern);
  const keys: string[] = [];
  let stars = 0;
  // One pass: a parameter, a star, or a RegExp character that must match itself.
  const source = pattern.replace(
    /:([A-Za-z_]\w*)|(\*)|[.+?^${}()|[\]\\/]/g,
    (literal, name?: string, star?: string) => {
      if (name) {
        if (keys.includes(name)) throw new RoutePatternError(`parameter :${name} appears twice`, pattern);
        keys.push(name);
        return '([^/]+)';
      }
      if (star) {
        keys.push(`*${stars++ || ''}`);
        return '(.*)';
      }
      return `\\${literal}`;
    },
  );
  return { source: pattern, regexp: new RegExp(`^${source}$`), keys };
}

/**
 * Matches a pathname (as `URL.pathname` gives it: percent-encoded) against a compiled pattern. Returns the
 * parameters, percent-decoded, or null when the path does not match. A parameter that is not valid
 * percent-encoding is returned as is rather than throwing, because a request path is untrusted input.
 */
export function matchPath(pattern: CompiledPathPattern, pathname: string): Record<string, string> | null {
  const match = pattern.regexp.exec(pathname);
  // Every group takes part in a match, so each key has a (possibly empty) string. fromEntries defines own
  // properties, so even a parameter named __proto__ is just a parameter.
  return match && Object.fromEntries(pattern.keys.map((key, k) => [key, decode(match[k + 1] as string)]));
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Escapes every character that has a meaning in a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
