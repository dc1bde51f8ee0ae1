import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { expiration } from '../src/caching/expiration/expiration.sw.js';
import type { CachingMessage } from '../src/caching/messages.js';
import { createPartialResponse, rangeRequests } from '../src/caching/ranges/range-requests.sw.js';
import { offlineFallback } from '../src/caching/routing/offline-fallback.sw.js';
import { Router } from '../src/caching/routing/router.sw.js';
import { broadcastUpdate } from '../src/caching/strategies/broadcast-update.sw.js';
import type { StrategyPlugin } from '../src/caching/strategies/plugin.sw.js';
import {
  CacheFirst,
  CacheOnly,
  NetworkFirst,
  NetworkOnly,
  StaleWhileRevalidate,
} from '../src/caching/strategies/strategies.sw.js';
import { deleteCache, type Strategy, StrategyError } from '../src/caching/strategies/strategy.sw.js';
import { InMemoryCacheStorage } from './in-memory-caches.js';

const ORIGIN = 'https://app.example';
const url = (path: string) => `${ORIGIN}${path}`;

/** A scripted network: answers by path, can be taken down or slowed, and counts requests. */
function network() {
  const state = { down: false, delayMs: 0, version: 1, requests: [] as Request[] };
  const fetch = async (request: Request): Promise<Response> => {
    state.requests.push(request);
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    if (state.down) throw new TypeError('Failed to fetch');
    const path = new URL(request.url).pathname;
    if (path.startsWith('/status/')) return new Response('status', { status: Number(path.slice(8)) });
    if (path === '/opaque') return Response.error();
    return new Response(`${path} v${state.version}`, {
      headers: { etag: `"${state.version}"`, 'content-type': 'text/plain' },
    });
  };
  return { state, fetch };
}

function setup() {
  const caches = new InMemoryCacheStorage();
  const net = network();
  return { caches, net, options: { caches, fetch: net.fetch, cacheName: 'runtime' } };
}

async function run(strategy: Strategy, path: string, init?: RequestInit) {
  const [response, done] = strategy.handleAll(new Request(url(path), init));
  const result = await response;
  await done;
  return result;
}

async function cachedText(caches: InMemoryCacheStorage, path: string, name = 'runtime') {
  return (await (await caches.open(name)).match(url(path)))?.text();
}

describe('strategies', () => {
  it('cache first: network on a miss (and caches it), cache on a hit, no-response when both fail', async () => {
    const { caches, net, options } = setup();
    const strategy = new CacheFirst(options);
    expect(await (await run(strategy, '/a')).text()).toBe('/a v1');
    expect(await cachedText(caches, '/a')).toBe('/a v1');
    net.state.version = 2;
    expect(await (await run(strategy, '/a')).text()).toBe('/a v1');
    expect(net.state.requests).toHaveLength(1);
    net.state.down = true;
    await expect(run(strategy, '/b')).rejects.toMatchObject({ name: 'StrategyError', code: 'no-response' });
  });

  it('network first: fresh online, cached offline, cached when slower than the timeout', async () => {
    const { caches, net, options } = setup();
    const strategy = new NetworkFirst({ ...options, networkTimeoutSeconds: 0.05 });
    expect(await (await run(strategy, '/n')).text()).toBe('/n v1');
    net.state.version = 2;
    expect(await (await run(strategy, '/n')).text()).toBe('/n v2');
    expect(await cachedText(caches, '/n')).toBe('/n v2');
    net.state.down = true;
    expect(await (await run(strategy, '/n')).text()).toBe('/n v2');
    net.state.down = false;
    net.state.version = 3;
    net.state.delayMs = 200;
    const [slow, done] = strategy.handleAll(new Request(url('/n')));
    expect(await (await slow).text()).toBe('/n v2');
    await done; // the late network answer still refreshed the cache
    expect(await cachedText(caches, '/n')).toBe('/n v3');
  });

  it('network first: with nothing cached a slow network still answers; offline it fails', async () => {
    const { net, options } = setup();
    const strategy = new NetworkFirst({ ...options, networkTimeoutSeconds: 0.01 });
    net.state.delayMs = 50;
    expect(await (await run(strategy, '/late')).text()).toBe('/late v1');
    net.state.down = true;
    await expect(run(strategy, '/never')).rejects.toBeInstanceOf(StrategyError);
  });

  it('stale while revalidate: cached at once, refreshed behind, broadcast when the version changed', async () => {
    const { caches, net, options } = setup();
    const channel = new BroadcastChannel('outpost:caching');
    const heard: CachingMessage[] = [];
    channel.onmessage = (event) => heard.push(event.data as CachingMessage);
    try {
      const strategy = new StaleWhileRevalidate({ ...options, plugins: [broadcastUpdate()] });
      expect(await (await run(strategy, '/s')).text()).toBe('/s v1');
      await run(strategy, '/s'); // same ETag: no broadcast
      net.state.version = 2;
      expect(await (await run(strategy, '/s')).text()).toBe('/s v1');
      expect(await cachedText(caches, '/s')).toBe('/s v2');
      await expect.poll(() => heard).toEqual([{ type: 'outpost:cache-updated', cacheName: 'runtime', url: url('/s') }]);
      net.state.down = true;
      expect(await (await run(strategy, '/s')).text()).toBe('/s v2');
      await expect(run(strategy, '/missing')).rejects.toMatchObject({ code: 'no-response' });
    } finally {
      channel.close();
    }
  });

  it('cache only and network only', async () => {
    const { caches, net, options } = setup();
    await (await caches.open('runtime')).put(url('/c'), new Response('cached'));
    expect(await (await run(new CacheOnly(options), '/c')).text()).toBe('cached');
    await expect(run(new CacheOnly(options), '/x')).rejects.toMatchObject({ code: 'not-cached' });
    expect(net.state.requests).toHaveLength(0);
    const networkOnly = new NetworkOnly({ ...options, networkTimeoutSeconds: 0.02 });
    expect(await (await run(networkOnly, '/c')).text()).toBe('/c v1');
    net.state.delayMs = 100;
    await expect(run(networkOnly, '/c')).rejects.toMatchObject({ code: 'network-timeout' });
    expect(await cachedText(caches, '/c')).toBe('cached');
  });

  it('caches 200 only by default: no errors, no opaque, no 206, unless the rules opt in', async () => {
    const { caches, options } = setup();
    const strategy = new CacheFirst(options);
    expect((await run(strategy, '/status/404')).status).toBe(404);
    expect((await run(strategy, '/status/206')).status).toBe(206);
    expect(await cachedText(caches, '/status/404')).toBeUndefined();
    expect(await cachedText(caches, '/status/206')).toBeUndefined();
    const lenient = new CacheFirst({ ...options, cacheable: { statuses: [200, 404] } });
    await run(lenient, '/status/404');
    expect(await cachedText(caches, '/status/404')).toBe('status');
  });
});

describe('deleting a runtime cache', () => {
  it('deleteCache drops the kept handle, so the next write lands in a fresh cache, not the deleted one', async () => {
    const { caches, options } = setup();
    const strategy = new CacheFirst(options);
    await run(strategy, '/a');
    expect(await caches.has('runtime')).toBe(true);
    expect(await deleteCache(caches, 'runtime')).toBe(true);
    expect(await caches.has('runtime')).toBe(false);
    await run(strategy, '/b');
    expect(await cachedText(caches, '/b')).toBe('/b v1');
    expect(await cachedText(caches, '/a')).toBeUndefined();
  });

  it('a cache deleted behind the strategy (caches.delete) keeps its stale handle until the worker restarts', async () => {
    const { caches, options } = setup();
    const strategy = new CacheFirst(options);
    await run(strategy, '/a');
    await caches.delete('runtime');
    await run(strategy, '/b');
    // The write went to the deleted cache's handle: what docs/caching.md warns of, and why deleteCache exists.
    expect(await caches.has('runtime')).toBe(false);
  });
});

describe('plugins', () => {
  it('run in one place, in order, and can change keys, veto writes and answer errors', async () => {
    const { caches, net, options } = setup();
    const log: string[] = [];
    const tracer = (name: string): StrategyPlugin => ({
      requestWillFetch: ({ request }) => {
        log.push(`${name}:requestWillFetch`);
        return request;
      },
      fetchDidSucceed: ({ response }) => {
        log.push(`${name}:fetchDidSucceed`);
        return response;
      },
      fetchDidFail: () => {
        log.push(`${name}:fetchDidFail`);
      },
      cacheWillUpdate: ({ response }) => {
        log.push(`${name}:cacheWillUpdate`);
        return response;
      },
      cacheDidUpdate: ({ oldResponse }) => {
        log.push(`${name}:cacheDidUpdate old=${oldResponse !== undefined}`);
      },
      cachedResponseWillBeUsed: ({ cachedResponse }) => {
        log.push(`${name}:cachedResponseWillBeUsed hit=${cachedResponse !== undefined}`);
        return cachedResponse;
      },
      handlerWillRespond: ({ response }) => {
        log.push(`${name}:handlerWillRespond`);
        return response;
      },
    });
    const dropQuery: StrategyPlugin = { cacheKeyWillBeUsed: ({ request }) => request.url.split('?')[0] as string };
    const fallback: StrategyPlugin = { handlerDidError: () => new Response('fallback', { status: 503 }) };
    const strategy = new CacheFirst({ ...options, plugins: [tracer('A'), dropQuery, tracer('B'), fallback] });

    await run(strategy, '/p?q=1');
    // The answer and the background cache write are two sequences; each keeps its own order.
    const isWrite = (entry: string) => /cache(Will|Did)Update/.test(entry);
    expect(log.filter((entry) => !isWrite(entry))).toEqual([
      'A:cachedResponseWillBeUsed hit=false',
      'B:cachedResponseWillBeUsed hit=false',
      'A:requestWillFetch',
      'B:requestWillFetch',
      'A:fetchDidSucceed',
      'B:fetchDidSucceed',
      'A:handlerWillRespond',
      'B:handlerWillRespond',
    ]);
    expect(log.filter(isWrite)).toEqual([
      'A:cacheWillUpdate',
      'B:cacheWillUpdate',
      'A:cacheDidUpdate old=false',
      'B:cacheDidUpdate old=false',
    ]);
    expect(await cachedText(caches, '/p')).toBe('/p v1');
    log.length = 0;
    expect(await (await run(strategy, '/p?q=2')).text()).toBe('/p v1');
    expect(log[0]).toBe('A:cachedResponseWillBeUsed hit=true');

    net.state.down = true;
    log.length = 0;
    const failed = await run(strategy, '/other');
    expect([failed.status, await failed.text()]).toEqual([503, 'fallback']);
    expect(log).toContain('A:fetchDidFail');
  });

  it('cacheWillUpdate returning null vetoes the write', async () => {
    const { caches, options } = setup();
    const veto: StrategyPlugin = { cacheWillUpdate: () => null };
    await run(new NetworkFirst({ ...options, plugins: [veto] }), '/v');
    expect(await cachedText(caches, '/v')).toBeUndefined();
  });

  it('range requests: 206 with the right bytes from a cached full response, 416 past the end', async () => {
    const { caches, options } = setup();
    const body = new Uint8Array(1000).map((_, i) => i % 251);
    await (await caches.open('runtime')).put(
      url('/song'),
      new Response(body, { headers: { 'content-type': 'audio/wav' } }),
    );
    const strategy = new CacheFirst({ ...options, plugins: [rangeRequests()] });

    const middle = await run(strategy, '/song', { headers: { range: 'bytes=500-599' } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe('bytes 500-599/1000');
    expect(middle.headers.get('content-length')).toBe('100');
    expect(middle.headers.get('content-type')).toBe('audio/wav');
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(body.slice(500, 600));

    const suffix = await run(strategy, '/song', { headers: { range: 'bytes=-10' } });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(body.slice(990));
    const past = await run(strategy, '/song', { headers: { range: 'bytes=1000-' } });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, 'bytes */1000']);
    const whole = await run(strategy, '/song');
    expect([whole.status, (await whole.arrayBuffer()).byteLength]).toEqual([200, 1000]);
  });

  it('expiration keeps maxEntries in the cache itself', async () => {
    const { caches, options } = setup();
    const strategy = new CacheFirst({
      ...options,
      cacheName: `limited-${Date.now()}`,
      plugins: [expiration({ maxEntries: 2 })],
    });
    for (const path of ['/1', '/2', '/3']) {
      await run(strategy, path);
      await new Promise((r) => setTimeout(r, 2)); // distinct use times
    }
    const keys = (await (await caches.open(strategy.cacheName)).keys()).map((r) => new URL(r.url).pathname).sort();
    expect(keys).toEqual(['/2', '/3']);
  });

  it('a QuotaExceededError on write purges caches that opted in', async () => {
    const { caches, options } = setup();
    const disposable = new CacheFirst({
      ...options,
      cacheName: `disposable-${Date.now()}`,
      plugins: [expiration({ maxEntries: 10, purgeOnQuotaError: true })],
    });
    await run(disposable, '/big');
    expect(await caches.has(disposable.cacheName)).toBe(true);
    const full = await caches.open('full');
    full.put = async () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const victim = new CacheFirst({ ...options, cacheName: 'full' });
    const response = await run(victim, '/x');
    expect(await response.text()).toBe('/x v1'); // the page still gets the network's answer
    expect(await caches.has(disposable.cacheName)).toBe(false);
  });
});

describe('Router', () => {
  it('routes by pattern and method with parameters; default and catch handlers', async () => {
    const { options, net } = setup();
    const seen: string[] = [];
    const router = new Router({ origin: ORIGIN })
      .get('/api/items/:id', async ({ params }) => new Response(`item ${params.id}`))
      .register('/api/items', async () => new Response('created', { status: 201 }), 'POST')
      .get(/\.png$/, new CacheFirst(options))
      .setDefaultHandler(async ({ url: u }) => {
        seen.push(u.pathname);
        return new Response('default');
      });
    expect(await router.handleRequest(new Request(url('/api/items/7')))?.then((r) => r.text())).toBe('item 7');
    expect((await router.handleRequest(new Request(url('/api/items'), { method: 'POST' })))?.status).toBe(201);
    expect(await router.handleRequest(new Request(url('/x')))?.then((r) => r.text())).toBe('default');
    expect(router.handleRequest(new Request(url('/x'), { method: 'DELETE' }))).toBeUndefined();
    expect(seen).toEqual(['/x']);

    net.state.down = true;
    await expect(router.handleRequest(new Request(url('/a.png')))).rejects.toBeInstanceOf(StrategyError);
    router.setCatchHandler(async ({ error }) => new Response(`caught ${(error as StrategyError).code}`));
    expect(await router.handleRequest(new Request(url('/a.png')))?.then((r) => r.text())).toBe('caught no-response');
  });

  it('findRoute tells which handler would answer without running it', () => {
    const api = async () => new Response('api');
    const fallback = async () => new Response('default');
    const router = new Router({ origin: ORIGIN }).get('/api/:name', api);
    expect(router.findRoute(new Request(url('/api/x')))).toMatchObject({ handler: api, params: { name: 'x' } });
    expect(router.findRoute(new Request(url('/page')))).toBeUndefined();
    router.setDefaultHandler(fallback);
    expect(router.findRoute(new Request(url('/page')))?.handler).toBe(fallback);
    expect(router.findRoute(new Request(url('/page'), { method: 'PUT' }))).toBeUndefined();
  });

  it('leaves requests alone when nothing matches and there is no default handler', () => {
    const router = new Router({ origin: ORIGIN }).get('/api/*', async () => new Response('api'));
    expect(router.handleRequest(new Request(url('/page')))).toBeUndefined();
    expect(router.handleRequest(new Request('https://other.example/api/x'))).toBeUndefined();
  });
});

describe('navigation preload', () => {
  /** Node cannot construct a navigation request; a GET with `mode` overridden is one as far as strategies see. */
  const navigation = (path: string) => {
    const request = new Request(url(path));
    Object.defineProperty(request, 'mode', { value: 'navigate' });
    return request;
  };

  it('the first fetch of a navigation uses the preload response instead of the network', async () => {
    const { caches, net, options } = setup();
    const strategy = new NetworkFirst({ ...options, cacheName: 'pages' });
    const waits: Promise<unknown>[] = [];
    const event = {
      waitUntil: (p: Promise<unknown>) => waits.push(p),
      preloadResponse: Promise.resolve(new Response('preloaded page')),
    };
    const response = await strategy.handle({ request: navigation('/page'), event });
    expect(await response.text()).toBe('preloaded page');
    await Promise.all(waits);
    expect(net.state.requests).toHaveLength(0);
    expect(await cachedText(caches, '/page', 'pages')).toBe('preloaded page');
  });

  it('a failed preload (Firefox resolves it with a network error response) falls back to fetching', async () => {
    const { net, options } = setup();
    const strategy = new NetworkFirst({ ...options, cacheName: 'pages' });
    const event = { waitUntil: () => undefined, preloadResponse: Promise.resolve(Response.error()) };
    const response = await strategy.handle({ request: navigation('/page'), event });
    expect(await response.text()).toBe('/page v1');
    expect(net.state.requests).toHaveLength(1);
  });
});

describe('offline fallbacks', () => {
  /** Node's Request has no settable mode or destination; a strategy only reads them. */
  const withShape = (path: string, shape: { mode?: string; destination?: string }) => {
    const request = new Request(url(path));
    for (const [key, value] of Object.entries(shape)) Object.defineProperty(request, key, { value });
    return request;
  };

  it('answer failed navigations with the page, failed images with the image, anything else with an error', async () => {
    const { caches, net, options } = setup();
    const fallbacks = await caches.open('fallbacks');
    await fallbacks.put(url('/offline.html'), new Response('offline page'));
    await fallbacks.put(url('/offline.svg'), new Response('<svg/>'));
    const router = new Router({ origin: ORIGIN })
      .setDefaultHandler(new NetworkOnly(options))
      .setCatchHandler(offlineFallback({ page: 'offline.html', image: 'offline.svg', scope: url('/'), caches }));
    net.state.down = true;

    const page = await router.handleRequest(withShape('/inbox', { mode: 'navigate' }));
    expect(await page?.text()).toBe('offline page');
    const image = await router.handleRequest(withShape('/a.png', { destination: 'image' }));
    expect(await image?.text()).toBe('<svg/>');
    const data = await router.handleRequest(withShape('/api/x', { destination: '' }));
    expect(data?.type).toBe('error');
  });
});

describe('createPartialResponse', () => {
  const full = () => new Response('0123456789', { headers: { 'content-type': 'text/plain' } });
  const ranged = (range: string) => new Request(url('/f'), { headers: { range } });

  it('returns the full response for several ranges, a non-200 response unchanged', async () => {
    const several = await createPartialResponse(ranged('bytes=0-1,4-5'), full());
    expect([several.status, await several.text()]).toEqual([200, '0123456789']);
    const notFound = new Response('nope', { status: 404 });
    expect(await createPartialResponse(ranged('bytes=0-1'), notFound)).toBe(notFound);
  });

  it('slices open and suffix ranges', async () => {
    const open = await createPartialResponse(ranged('bytes=7-'), full());
    expect([open.status, open.headers.get('content-range'), await open.text()]).toEqual([206, 'bytes 7-9/10', '789']);
    const suffix = await createPartialResponse(ranged('bytes=-2'), full());
    expect(await suffix.text()).toBe('89');
  });
});
