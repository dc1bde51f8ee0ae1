/**
 * The push services of the big browsers, as origins; `*.` matches any subdomain (over https only).
 * Chrome and other Chromium browsers: FCM; Firefox: Mozilla autopush; Safari: Apple; Edge: WNS.
 */
export const DEFAULT_PUSH_SERVICE_ORIGINS: readonly string[] = [
  'https://fcm.googleapis.com',
  'https://android.googleapis.com',
  'https://updates.push.services.mozilla.com',
  'https://*.push.services.mozilla.com',
  'https://web.push.apple.com',
  'https://*.push.apple.com',
  'https://*.notify.windows.com',
];

/** Longest endpoint URL accepted (real ones are 150 to 500 characters). */
export const MAX_ENDPOINT_LENGTH = 2048;

/** Why an allowlist entry is unusable; thrown at plugin registration. */
export class InvalidAllowlistError extends Error {
  override readonly name = 'InvalidAllowlistError';
}

/** A parsed allowlist entry: an exact origin, or `https://*.suffix`. */
type OriginRule = { exact: string } | { suffix: string };

/**
 * Parses allowlist entries. An entry is an origin (`https://push.example.net`, `http://127.0.0.1:8081`) or a
 * wildcard `https://*.example.net` (https only: a wildcard over plain http would let any matching host in).
 *
 * @throws InvalidAllowlistError for an entry that is not an origin.
 */
export function parseAllowlist(entries: readonly string[]): OriginRule[] {
  return entries.map((entry) => {
    const wildcard = /^https:\/\/\*\.([a-z0-9.-]+)$/i.exec(entry);
    if (wildcard) return { suffix: `.${(wildcard[1] as string).toLowerCase()}` };
    if (entry.includes('*')) {
      throw new InvalidAllowlistError(
        `push service origin ${JSON.stringify(entry)}: a wildcard must be https://*.domain`,
      );
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new InvalidAllowlistError(`push service origin ${JSON.stringify(entry)} is not a URL`);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== entry.replace(/\/$/, '')) {
      throw new InvalidAllowlistError(`push service origin ${JSON.stringify(entry)} must be an http(s) origin`);
    }
    return { exact: url.origin };
  });
}

/**
 * Why an endpoint may not be sent to, or null when it may: it must be an https URL (or come from an origin listed
 * exactly, such as a local push service over http), carry no credentials, and match an allowlist rule. This is the
 * guard that stops a client from making the app server POST to any URL it likes (SSRF).
 */
export function endpointRefusal(endpoint: unknown, rules: readonly OriginRule[]): string | null {
  if (typeof endpoint !== 'string' || endpoint === '') return 'endpoint must be a non-empty string';
  if (endpoint.length > MAX_ENDPOINT_LENGTH) return `endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  if (url.username || url.password) return 'endpoint must not carry credentials';
  if (url.hash) return 'endpoint must not have a fragment';
  for (const rule of rules) {
    if ('exact' in rule) {
      if (url.origin === rule.exact) return null;
    } else if (url.protocol === 'https:' && url.port === '' && url.hostname.endsWith(rule.suffix)) {
      return null;
    }
  }
  if (url.protocol !== 'https:') return `endpoint must be https, got ${url.protocol}`;
  return `endpoint origin ${url.origin} is not an allowed push service`;
}
