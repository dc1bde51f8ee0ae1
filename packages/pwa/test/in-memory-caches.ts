/**
 * A CacheStorage kept in memory, for driving precache code in Node. It implements the subset the toolkit uses
 * (open, keys, delete, has, match, put) with the same key semantics as browsers for GET requests: the URL.
 */
export class InMemoryCacheStorage implements CacheStorage {
  readonly stores = new Map<string, InMemoryCache>();

  async open(name: string): Promise<Cache> {
    let cache = this.stores.get(name);
    if (!cache) {
      cache = new InMemoryCache();
      this.stores.set(name, cache);
    }
    return cache;
  }

  async keys(): Promise<string[]> {
    return [...this.stores.keys()];
  }

  async has(name: string): Promise<boolean> {
    return this.stores.has(name);
  }

  async delete(name: string): Promise<boolean> {
    return this.stores.delete(name);
  }

  async match(request: RequestInfo | URL, options?: MultiCacheQueryOptions): Promise<Response | undefined> {
    // Like browsers: with a cacheName, only that cache (a missing one is a miss); otherwise every cache in turn.
    const name = options?.cacheName;
    const stores = name === undefined ? this.stores.values() : [this.stores.get(name) ?? new InMemoryCache()];
    for (const cache of stores) {
      const hit = await cache.match(request);
      if (hit) return hit;
    }
    return undefined;
  }
}

class InMemoryCache implements Cache {
  readonly entries = new Map<string, { body: ArrayBuffer; init: ResponseInit }>();

  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const stored = this.entries.get(urlOf(request));
    return stored ? new Response(stored.body.slice(0), stored.init) : undefined;
  }

  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    const init = { status: response.status, statusText: response.statusText, headers: [...response.headers] };
    this.entries.set(urlOf(request), { body: await response.arrayBuffer(), init });
  }

  async delete(request: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(urlOf(request));
  }

  async keys(): Promise<ReadonlyArray<Request>> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }

  async matchAll(): Promise<ReadonlyArray<Response>> {
    throw new Error('matchAll is not used by the precache');
  }

  async add(): Promise<void> {
    throw new Error('add is not used by the precache');
  }

  async addAll(): Promise<void> {
    throw new Error('addAll is not used by the precache');
  }
}

function urlOf(request: RequestInfo | URL): string {
  if (typeof request === 'string') return request;
  return request instanceof URL ? request.href : request.url;
}
