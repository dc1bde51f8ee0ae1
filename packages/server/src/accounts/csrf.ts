/** Methods that only read; everything else changes state and is checked. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the CSRF check needs from a request. */
export interface CsrfRequest {
  method: string;
  /** The request's Host (Fastify's `request.host`, which honours X-Forwarded-Host only with trustProxy). */
  host: string;
  /**
   * The scheme the browser used, `http` or `https` (Fastify's `request.protocol`, which honours X-Forwarded-Proto
   * only with trustProxy). An `Origin` with another scheme is another origin.
   */
  protocol: string;
  contentType: string | undefined;
  origin: string | undefined;
}

/**
 * Why a state-changing request is refused as possibly cross-site, or null if it may proceed.
 *
 * Every state-changing method is checked whatever its path: a path test (`/api/…` only) could be walked around with
 * a percent-encoded path (`/%61pi/mail`, which the router decodes to `/api/mail`) or an absolute-form request
 * target (`POST http://host/api/mail`), both of which reach the route. A browser cannot send
 * `Content-Type: application/json` to another origin without a CORS preflight (which this server never approves),
 * and when it sends an `Origin` header that origin (scheme, host and port) must be this server's. Together with
 * SameSite=Lax session cookies this closes classic form and fetch CSRF, including from sibling subdomains.
 */
export function csrfRejection(request: CsrfRequest): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const mediaType = request.contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return `state-changing requests must have Content-Type application/json (got ${request.contentType ?? 'none'})`;
  }
  if (request.origin === undefined) return null;
  let origin: URL;
  try {
    origin = new URL(request.origin);
  } catch {
    return `cross-origin request refused: Origin ${JSON.stringify(request.origin)} is not a URL`;
  }
  const scheme = `${request.protocol}:`;
  if (origin.protocol !== scheme) {
    return `cross-origin request refused: Origin ${request.origin} is not ${request.protocol}://`;
  }
  if (origin.host === '' || origin.host !== normalizedHost(request.host, scheme)) {
    return `cross-origin request refused: Origin ${request.origin} does not match Host ${request.host || '(none)'}`;
  }
  return null;
}

/** The Host header as URL.host would write it for this scheme (lower case, default port dropped), or null. */
function normalizedHost(host: string, protocol: string): string | null {
  if (host === '' || /[/?#@\s]/.test(host)) return null;
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return null;
  }
}
