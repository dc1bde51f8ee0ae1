/**
 * The UAID is a user agent's only credential (whoever presents it in `hello` receives its messages) and an endpoint
 * token is a capability to push to a subscription: neither is ever logged in full. Six characters are enough to
 * correlate log lines and far too few to impersonate anyone.
 */
const SHOWN = 6;

/** The first few characters of a UAID (or any secret identifier), for logs. */
export function redactId(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  return id.length <= SHOWN ? '…' : `${id.slice(0, SHOWN)}…`;
}

/** A request URL with the endpoint token or message ID in it shortened, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(\/(?:push|m)\/)([^/?#]+)/, (_, prefix: string, secret: string) => prefix + redactId(secret));
}
