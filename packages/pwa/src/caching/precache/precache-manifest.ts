/**
 * One file to precache: its URL (absolute, or relative to the service worker's location) and a revision that
 * changes whenever its content does. `revision: null` means the URL itself changes with the content (a hashed
 * file name such as `/assets/index-3f9a1c2b.js`), so the URL alone identifies one version.
 *
 * @example
 * ```ts
 * const manifest: PrecacheEntry[] = [
 *   { url: '/index.html', revision: '5d41402abc4b2a76' },
 *   { url: '/assets/index-3f9a1c2b.js', revision: null },
 * ];
 * ```
 */
export interface PrecacheEntry {
  url: string;
  revision: string | null;
  /** Subresource Integrity metadata (`sha384-...`); the browser rejects a fetched body that does not match. */
  integrity?: string;
}

/**
 * The global the build step replaces with the manifest. Service-worker code writes
 * `self.__OUTPOST_PRECACHE_MANIFEST` and `@outpost/pwa/vite` swaps it for the JSON array.
 */
export const MANIFEST_PLACEHOLDER = 'self.__OUTPOST_PRECACHE_MANIFEST';

/** The query parameter that carries a revision in a cache key, so two revisions of one URL never collide. */
export const REVISION_PARAM = '__outpost_revision';

/**
 * Thrown for a manifest that cannot be precached as given; `entry` is the offending item. The message shows the
 * entry and what was expected of it: `bad precache entry "/a.js": expected {url: non-empty string, ...}`.
 */
export class PrecacheManifestError extends Error {
  override readonly name = 'PrecacheManifestError';
  readonly entry: unknown;
  constructor(what: string, entry: unknown) {
    super(`bad precache entry ${JSON.stringify(entry)}: ${what}`);
    this.entry = entry;
  }
}

/** A manifest entry resolved against a base URL: what to fetch and where to store it. */
export interface ResolvedPrecacheEntry {
  /** Absolute URL without fragment: what a request must match. */
  url: string;
  /** Absolute URL the response is stored under; carries the revision for unhashed files. */
  cacheKey: string;
  revision: string | null;
  integrity?: string;
}

/**
 * The cache key for a URL and revision: the URL itself when it is hashed, otherwise the URL with the revision in
 * {@link REVISION_PARAM}. A cache key is therefore unique per content version, which lets a new install copy an
 * unchanged file from the previous version's cache instead of downloading it again.
 */
export function cacheKeyFor(url: string, revision: string | null): string {
  if (revision === null) return url;
  const key = new URL(url);
  key.searchParams.set(REVISION_PARAM, revision);
  return key.href;
}

/**
 * Validates a manifest and resolves each entry against `base` (normally the service worker's URL). Rejects
 * duplicates with different revisions, because one URL can only be served one way.
 */
export function resolvePrecacheManifest(entries: readonly unknown[], base: string): ResolvedPrecacheEntry[] {
  return [...resolveByUrl(entries, base).values()];
}

/** {@link resolvePrecacheManifest} keyed by entry URL, in manifest order: the lookup table a precache serves from. */
export function resolveByUrl(entries: readonly unknown[], base: string): Map<string, ResolvedPrecacheEntry> {
  const byUrl = new Map<string, ResolvedPrecacheEntry>();
  for (const raw of entries) {
    // A string, null or any other non-object has no `url` property, so the url check rejects it too. One
    // message for every shape defect keeps the validator small; the entry itself is in the message.
    const { url, revision, integrity } = (raw ?? 0) as Record<string, unknown>;
    if (
      typeof url !== 'string' ||
      !url ||
      (revision !== null && (typeof revision !== 'string' || !revision)) ||
      (integrity !== undefined && typeof integrity !== 'string')
    ) {
      throw new PrecacheManifestError(
        'expected {url: non-empty string, revision: non-empty string | null, integrity?: string}',
        raw,
      );
    }
    // Without the fragment: everything from the first '#' of a serialised URL is the fragment.
    const href = new URL(url as string, base).href.split('#')[0] as string;
    const seen = byUrl.get(href);
    if (seen && seen.revision !== revision)
      throw new PrecacheManifestError('listed twice with different revisions', raw);
    byUrl.set(href, {
      url: href,
      cacheKey: cacheKeyFor(href, revision as string | null),
      revision: revision as string | null,
      integrity: integrity as string | undefined,
    });
  }
  return byUrl;
}

/**
 * A short, stable version id for a resolved manifest: any change to a URL, revision or integrity changes it.
 * It names the cache, not a security boundary, so a fast non-cryptographic hash is enough: 32-bit FNV-1a run
 * over the text twice, 8 hex digits per pass. A collision would need both passes to collide.
 */
export function manifestVersion(entries: readonly ResolvedPrecacheEntry[]): string {
  const text = entries
    .map((e) => `${e.cacheKey} ${e.integrity ?? ''}`)
    .sort()
    .join('\n');
  // Pass two continues from pass one's state: texts that collide after one pass almost always differ after two.
  let h = 0x811c9dc5;
  let version = '';
  for (const pass of [text, text]) {
    for (const char of pass) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193);
    version += (h >>> 0).toString(16).padStart(8, '0');
  }
  return version;
}
