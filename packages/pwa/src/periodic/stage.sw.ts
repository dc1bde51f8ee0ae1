import { IndexedDbExpirationIndex } from '../caching/expiration/expiration-index.sw.js';
import {
  type ExpirationIndex,
  type ExpirationPolicy,
  ExpirationTracker,
} from '../caching/expiration/expiration-tracker.js';

/** Expiration limits per cache name, applied when a stage commits (oldest writes go first). */
export type CacheLimits = Readonly<Record<string, ExpirationPolicy>>;

/** Thrown by {@link PeriodicStage.put} once the run was stopped or committed. */
export class StageClosedError extends Error {
  override readonly name = 'StageClosedError';
}

interface StagedEntry {
  cacheName: string;
  request: Request;
  response: Response;
}

/**
 * Where a periodic handler puts what it fetched. Nothing reaches a cache until the handler has finished within
 * its budget: then {@link PeriodicStage.commit} writes every entry in the order it was put (put the index that
 * lists the others — a news list — last, so a reader never sees it before what it lists). A run that fails
 * or times out is discarded whole, so the caches keep the previous complete refresh.
 */
export class PeriodicStage {
  readonly #signal: AbortSignal;
  #entries: StagedEntry[] = [];
  #closed = false;
  #bytes = 0;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** Entries staged so far. */
  get size(): number {
    return this.#entries.length;
  }

  /** Body bytes staged so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Reads `response`'s whole body now (an aborted fetch fails here, not half-way through a cache write) and
   * keeps it for `cacheName`. Throws {@link StageClosedError} after the run was stopped or committed.
   */
  async put(cacheName: string, request: RequestInfo | URL, response: Response): Promise<void> {
    this.#assertOpen();
    const body = await response.arrayBuffer();
    this.#assertOpen();
    const { status, statusText, headers } = response;
    this.#entries.push({
      cacheName,
      request: new Request(request),
      response: new Response(body, { status, statusText, headers }),
    });
    this.#bytes += body.byteLength;
  }

  /**
   * Writes the staged entries to `storage` in put order, then applies each cache's limits (the oldest entries
   * go). Closes the stage.
   */
  async commit(
    storage: CacheStorage,
    limits: CacheLimits = {},
    index: (cacheName: string) => ExpirationIndex = (name) => new IndexedDbExpirationIndex(name),
  ): Promise<void> {
    this.#assertOpen();
    this.#closed = true;
    const entries = this.#entries;
    this.#entries = [];
    const written = new Map<string, string[]>();
    for (const { cacheName, request, response } of entries) {
      await (await storage.open(cacheName)).put(request, response);
      written.set(cacheName, [...(written.get(cacheName) ?? []), request.url]);
    }
    for (const [cacheName, urls] of written) {
      const policy = limits[cacheName];
      if (!policy) continue;
      // A tracker per commit reads the entry count afresh, so a page and the worker never drift apart.
      const tracker = new ExpirationTracker(index(cacheName), policy);
      for (const url of urls) tracker.record(url);
      const evicted = await tracker.flush();
      const cache = await storage.open(cacheName);
      await Promise.all(evicted.map((url) => cache.delete(url)));
    }
  }

  /** Drops everything staged; later puts throw. */
  discard(): void {
    this.#closed = true;
    this.#entries = [];
  }

  #assertOpen(): void {
    if (this.#signal.aborted) throw this.#signal.reason;
    if (this.#closed) throw new StageClosedError('this run has ended: nothing more can be staged');
  }
}
