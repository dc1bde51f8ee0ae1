// Uses only what the DOM and WebWorker libs share (CacheStorage, fetch, Request, Response), so tests can drive it
// with an in-memory CacheStorage; the service-worker event wiring lives in install-precache.sw.ts.
import { manifestVersion, type PrecacheEntry, type ResolvedPrecacheEntry, resolveByUrl } from './precache-manifest.js';

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
  readonly failures: PrecacheFailure[];
  constructor(failures: PrecacheFailure[]) {
    super(`precache failed: ${JSON.stringify(failures)}`);
    this.failures = failures;
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
  readonly #prefix: string;
  readonly #byUrl: Map<string, ResolvedPrecacheEntry>;
  readonly #options: PrecacheOptions;
  readonly #caches: CacheStorage;

  constructor(manifest: readonly PrecacheEntry[], options: PrecacheOptions) {
    this.#options = options;
    this.#byUrl = resolveByUrl(manifest, options.base ?? options.scope);
    this.entries = [...this.#byUrl.values()];
    // Only caches with this prefix (namespace and scope) are ever deleted.
    this.#prefix = `${options.namespace ?? 'outpost'}-precache@${options.scope}#`;
    this.cacheName = this.#prefix + manifestVersion(this.entries);
    this.#caches = options.caches ?? caches;
  }

  /**
   * Fills this version's cache. Files whose cache key is already in this cache (an earlier, interrupted install)
   * or in an older precache cache of this scope (unchanged since the last deploy) are copied, not downloaded.
   * Rejects with {@link PrecacheInstallError} listing every file that failed.
   */
  async install(): Promise<PrecacheInstallResult> {
    const { fetch: download = fetch, concurrency = 8 } = this.#options;
    // One keys() per cache up front instead of a match() per entry: cache operations queue behind writes in
    // the browser, so per-entry lookups would serialise the install on the cache's write lock. The current
    // cache goes last, so a key it already holds maps to it rather than to an older copy.
    const holder = new Map<string, Cache>();
    for (const name of await this.#outdated()) {
      const older = await this.#caches.open(name);
      for (const key of await older.keys()) holder.set(key.url, older);
    }
    const cache = await this.#caches.open(this.cacheName);
    for (const key of await cache.keys()) holder.set(key.url, cache);
    const fetched: string[] = [];
    const reused: string[] = [];
    const failures: PrecacheFailure[] = [];

    // `concurrency` lanes pulling from one shared iterator: each entry is taken once, and at most that many run
    // at once. Lanes beyond the entry count find it empty and end at once.
    const queue = this.entries.values();
    const lane = async () => {
      for (const { url, cacheKey, integrity } of queue) {
        const from = holder.get(cacheKey);
        const copy = from !== cache && (await from?.match(cacheKey));
        if (copy) await cache.put(cacheKey, copy);
        if (from === cache || copy) {
          reused.push(url);
          continue;
        }
        try {
          // 'reload' skips the HTTP cache on the way in (a stale copy there must not become the precached one)
          // while still refreshing it; the revision in the cache key keeps versions apart on the way out.
          // Credentials are the Request default, 'same-origin'.
          const response = await download(new Request(url, { cache: 'reload', integrity }));
          // The status alone: HTTP/2 and HTTP/3 carry no status text.
          if (!response.ok) {
            failures.push({ url, status: response.status, reason: `HTTP ${response.status}` });
            continue;
          }
          // The body is read before the write, so the cache's write lock is never held while bytes still arrive
          // (and the integrity check, which runs as the body is read, fails here rather than inside put()). The
          // copy (status, statusText and headers taken from the response) is also clean of `redirected`, which
          // a navigation cannot be answered with.
          await cache.put(cacheKey, new Response(await response.blob(), response));
          fetched.push(url);
        } catch (error) {
          failures.push({ url, status: null, reason: String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
    if (failures.length) throw new PrecacheInstallError(failures);
    return { cacheName: this.cacheName, fetched, reused };
  }

  /** Deletes this scope's precache caches other than the current one. Returns the names it deleted. */
  async activate(): Promise<string[]> {
    const outdated = await this.#outdated();
    await Promise.all(outdated.map((name) => this.#caches.delete(name)));
    return outdated;
  }

  /** The precache entry serving `url` (fragment ignored; a directory URL maps to its index file), if any. */
  entryFor(url: string): ResolvedPrecacheEntry | undefined {
    const { directoryIndex = 'index.html' } = this.#options;
    const target = new URL(url);
    target.hash = '';
    if (directoryIndex && target.pathname.endsWith('/') && !this.#byUrl.has(target.href)) {
      target.pathname += directoryIndex;
    }
    return this.#byUrl.get(target.href);
  }

  /** The cached response for a precached URL, or undefined when the URL is not in the manifest or not cached. */
  async match(request: Request | string): Promise<Response | undefined> {
    const entry = this.entryFor(typeof request === 'string' ? request : request.url);
    // Looked up by cache name rather than through an opened handle: no handle to keep, and a missing cache is
    // a miss instead of being created empty.
    return entry && this.#caches.match(entry.cacheKey, { cacheName: this.cacheName });
  }

  async #outdated(): Promise<string[]> {
    return (await this.#caches.keys()).filter((name) => name.startsWith(this.#prefix) && name !== this.cacheName);
  }
}
