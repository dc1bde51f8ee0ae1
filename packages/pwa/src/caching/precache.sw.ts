// Uses only what the DOM and WebWorker libs share (CacheStorage, fetch, Request, Response), so tests can drive it
// with an in-memory CacheStorage; the service-worker event wiring lives in precache-events.sw.ts.
import {
  manifestVersion,
  type PrecacheEntry,
  precacheCachePrefix,
  type ResolvedPrecacheEntry,
  resolvePrecacheManifest,
} from './precache-manifest.js';

/** Options for {@link Precache}. */
export interface PrecacheOptions {
  /** The registration scope; it goes into the cache name so two service workers of one origin never collide. */
  scope: string;
  /** Base for relative manifest URLs; defaults to `scope`. Pass the service worker's own URL to match the build. */
  base?: string;
  /** First part of every cache name this toolkit creates. Default `outpost`. */
  namespace?: string;
  /** How many files are fetched at once during install. Default 8. */
  concurrency?: number;
  /** Maps a navigation-style URL to the precached file that serves it (`/` -> `/index.html`). Default `index.html`. */
  directoryIndex?: string | null;
  caches?: CacheStorage;
  fetch?: (request: Request) => Promise<Response>;
}

/** Why one file could not be precached. */
export interface PrecacheFailure {
  url: string;
  /** HTTP status when the server answered, otherwise null (network error, integrity mismatch). */
  status: number | null;
  reason: string;
}

/** The outcome of a successful install: how many files came from the network and how many were reused. */
export interface PrecacheInstallResult {
  cacheName: string;
  fetched: string[];
  reused: string[];
}

/** Install failed: at least one file could not be fetched. The previous version keeps serving. */
export class PrecacheInstallError extends Error {
  override readonly name = 'PrecacheInstallError';
  constructor(readonly failures: PrecacheFailure[]) {
    const first = failures[0];
    super(
      `precache failed for ${failures.length} file(s)` +
        (first ? `; first: ${first.url} (${first.reason})` : '') +
        '. The previous version keeps serving.',
    );
  }
}

/**
 * A versioned precache. Each manifest version installs into its own cache (named after the scope and a hash of
 * the manifest), so an install that fails halfway never disturbs the version that is serving; `activate` then
 * deletes this scope's older precache caches and nothing else.
 *
 * @example
 * ```ts
 * const precache = new Precache(self.__OUTPOST_PRECACHE_MANIFEST, { scope: self.registration.scope });
 * self.addEventListener('install', (e) => e.waitUntil(precache.install()));
 * self.addEventListener('activate', (e) => e.waitUntil(precache.activate()));
 * ```
 */
export class Precache {
  readonly cacheName: string;
  readonly entries: readonly ResolvedPrecacheEntry[];
  private readonly prefix: string;
  private readonly byUrl: Map<string, ResolvedPrecacheEntry>;
  private readonly concurrency: number;
  private readonly directoryIndex: string | null;
  private readonly caches: CacheStorage;
  private readonly fetch: (request: Request) => Promise<Response>;
  private opened: Promise<Cache> | undefined;

  constructor(manifest: readonly PrecacheEntry[], options: PrecacheOptions) {
    this.entries = resolvePrecacheManifest(manifest, options.base ?? options.scope);
    this.byUrl = new Map(this.entries.map((e) => [e.url, e]));
    this.prefix = precacheCachePrefix(options.namespace ?? 'outpost', options.scope);
    this.cacheName = this.prefix + manifestVersion(this.entries);
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
    this.directoryIndex = options.directoryIndex === undefined ? 'index.html' : options.directoryIndex;
    this.caches = options.caches ?? globalThis.caches;
    this.fetch = options.fetch ?? ((request) => globalThis.fetch(request));
  }

  /**
   * Fills this version's cache. Files whose cache key is already in this cache (an earlier, interrupted install)
   * or in an older precache cache of this scope (unchanged since the last deploy) are copied, not downloaded.
   * Rejects with {@link PrecacheInstallError} listing every file that failed.
   */
  async install(): Promise<PrecacheInstallResult> {
    const cache = await this.caches.open(this.cacheName);
    const olderNames = (await this.caches.keys()).filter((n) => n.startsWith(this.prefix) && n !== this.cacheName);
    // One keys() per cache up front instead of a match() per entry: cache operations queue behind writes in
    // the browser, so per-entry lookups would serialise the install on the cache's write lock.
    const [present, older] = await Promise.all([
      keySet(cache),
      Promise.all(
        olderNames.map(async (name) => {
          const previous = await this.caches.open(name);
          return { cache: previous, keys: await keySet(previous) };
        }),
      ),
    ]);
    const fetched: string[] = [];
    const reused: string[] = [];
    const failures: PrecacheFailure[] = [];

    const one = async (entry: ResolvedPrecacheEntry): Promise<void> => {
      if (present.has(entry.cacheKey)) {
        reused.push(entry.url);
        return;
      }
      for (const previousCache of older) {
        if (!previousCache.keys.has(entry.cacheKey)) continue;
        const previous = await previousCache.cache.match(entry.cacheKey);
        if (previous) {
          await cache.put(entry.cacheKey, previous);
          reused.push(entry.url);
          return;
        }
      }
      try {
        await cache.put(entry.cacheKey, await this.download(entry));
        fetched.push(entry.url);
      } catch (error) {
        failures.push(toFailure(entry.url, error));
      }
    };

    await forEachBounded(this.entries, this.concurrency, one);
    if (failures.length > 0) throw new PrecacheInstallError(failures);
    return { cacheName: this.cacheName, fetched, reused };
  }

  /** Deletes this scope's precache caches other than the current one. Returns the names it deleted. */
  async activate(): Promise<string[]> {
    const outdated = (await this.caches.keys()).filter((n) => n.startsWith(this.prefix) && n !== this.cacheName);
    await Promise.all(outdated.map((name) => this.caches.delete(name)));
    return outdated;
  }

  /** The precache entry serving `url` (fragment ignored; a directory URL maps to its index file), if any. */
  entryFor(url: string): ResolvedPrecacheEntry | undefined {
    const target = new URL(url);
    target.hash = '';
    const exact = this.byUrl.get(target.href);
    if (exact || this.directoryIndex === null || !target.pathname.endsWith('/')) return exact;
    target.pathname += this.directoryIndex;
    return this.byUrl.get(target.href);
  }

  /** The cached response for a precached URL, or undefined when the URL is not in the manifest or not cached. */
  async match(request: Request | string): Promise<Response | undefined> {
    const entry = this.entryFor(typeof request === 'string' ? request : request.url);
    if (!entry) return undefined;
    this.opened ??= this.caches.open(this.cacheName);
    return (await this.opened).match(entry.cacheKey);
  }

  private async download(entry: ResolvedPrecacheEntry): Promise<Response> {
    // 'reload' skips the HTTP cache on the way in (a stale copy there must not become the precached one) while
    // still refreshing it; the revision in the cache key keeps versions apart on the way out.
    const init: RequestInit = { cache: 'reload', credentials: 'same-origin' };
    if (entry.integrity) init.integrity = entry.integrity;
    const response = await this.fetch(new Request(entry.url, init));
    if (!response.ok) {
      throw new PrecacheFetchError(response.status, `HTTP ${response.status} ${response.statusText}`.trim());
    }
    // The body is read before the write, so the cache's write lock is never held while bytes still arrive
    // (and the integrity check, which runs as the body is read, fails here rather than inside put()). The
    // copy is also clean of `redirected`, which a navigation cannot be answered with.
    return new Response(await response.blob(), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}

async function keySet(cache: Cache): Promise<Set<string>> {
  return new Set((await cache.keys()).map((request) => request.url));
}

class PrecacheFetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function toFailure(url: string, error: unknown): PrecacheFailure {
  if (error instanceof PrecacheFetchError) return { url, status: error.status, reason: error.message };
  return { url, status: null, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** Runs `task` over `items` with at most `limit` running at once, in order of start. */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
