// The plugin contract, hook by hook, and two plugins written the way Workbox's documentation describes its hooks
// (workbox-core `WorkboxPlugin`): each runs here unchanged. What a test checks for each hook is the moment it
// runs (the order log), its documented arguments, and the per-request `state` shared by one plugin's hooks.
import { describe, expect, it } from 'vitest';
import { Router } from '../src/caching/routing/router.sw.js';
import type { HookParam, PluginHook, StrategyPlugin } from '../src/caching/strategies/plugin.sw.js';
import { CacheFirst, NetworkFirst, NetworkOnly } from '../src/caching/strategies/strategies.sw.js';
import { StrategyHandler } from '../src/caching/strategies/strategy.sw.js';
import { InMemoryCacheStorage } from './in-memory-caches.js';

const ORIGIN = 'https://app.example';
const url = (path: string) => `${ORIGIN}${path}`;

function setup(answer: (request: Request) => Promise<Response> = async () => new Response('net')) {
  const caches = new InMemoryCacheStorage();
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    return answer(request);
  };
  return { caches, requests, options: { caches, fetch, cacheName: 'runtime' } };
}

const offline = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch');
};

/** A fake fetch event that records what it was asked to wait for. */
function fakeEvent() {
  const waits: Promise<unknown>[] = [];
  return { waits, event: { waitUntil: (promise: Promise<unknown>) => waits.push(promise) } };
}

/** A plugin that logs every hook with its argument, and notes in its state which hooks saw it. */
function recorder() {
  const calls: { hook: PluginHook; param: HookParam<PluginHook> }[] = [];
  const log =
    <N extends PluginHook>(hook: N) =>
    (param: HookParam<N>) => {
      calls.push({ hook, param });
      param.state.seen = [...((param.state.seen as string[] | undefined) ?? []), hook];
    };
  const plugin: StrategyPlugin = {
    handlerWillStart: log('handlerWillStart'),
    cacheKeyWillBeUsed: (param) => {
      log('cacheKeyWillBeUsed')(param);
      return param.request;
    },
    cachedResponseWillBeUsed: (param) => {
      log('cachedResponseWillBeUsed')(param);
      return param.cachedResponse;
    },
    requestWillFetch: (param) => {
      log('requestWillFetch')(param);
      return param.request;
    },
    fetchDidFail: log('fetchDidFail'),
    fetchDidSucceed: (param) => {
      log('fetchDidSucceed')(param);
      return param.response;
    },
    cacheWillUpdate: (param) => {
      log('cacheWillUpdate')(param);
      return param.response;
    },
    cacheDidUpdate: log('cacheDidUpdate'),
    handlerDidError: (param) => {
      log('handlerDidError')(param);
      return undefined;
    },
    handlerWillRespond: (param) => {
      log('handlerWillRespond')(param);
      return param.response;
    },
    handlerDidRespond: log('handlerDidRespond'),
    handlerDidComplete: log('handlerDidComplete'),
  };
  const find = (hook: PluginHook) => calls.filter((call) => call.hook === hook).map((call) => call.param);
  return { plugin, calls, find, order: () => calls.map((call) => call.hook) };
}

describe('plugin hooks: each runs at its documented moment, with its documented arguments and state', () => {
  it('a cache miss through CacheFirst: start first, complete last, the cache write in the background between', async () => {
    const { options } = setup();
    const log = recorder();
    const { event, waits } = fakeEvent();
    const strategy = new CacheFirst({ ...options, plugins: [log.plugin] });
    const [response, done] = strategy.handleAll({ request: new Request(url('/a')), event, params: { id: '7' } });
    expect(await (await response).text()).toBe('net');
    await done;
    const order = log.order();
    const at = (hook: PluginHook) => order.indexOf(hook);
    // The response path, in order.
    expect(order.slice(0, 5)).toEqual([
      'handlerWillStart',
      'cacheKeyWillBeUsed',
      'cachedResponseWillBeUsed',
      'requestWillFetch',
      'fetchDidSucceed',
    ]);
    expect(at('handlerWillRespond')).toBeLessThan(at('handlerDidRespond'));
    // The write runs in the background once the network answered (so it may interleave with responding) ...
    expect(at('fetchDidSucceed')).toBeLessThan(at('cacheWillUpdate'));
    expect(order.lastIndexOf('cacheKeyWillBeUsed')).toBeGreaterThan(at('cacheWillUpdate'));
    expect(at('cacheWillUpdate')).toBeLessThan(at('cacheDidUpdate'));
    // ... and handlerDidComplete waits for it: last of all, once.
    expect(order.at(-1)).toBe('handlerDidComplete');
    expect(order.filter((hook) => hook === 'handlerDidComplete')).toHaveLength(1);
    expect(order).toHaveLength(11);
    // The worker is kept alive until handlerDidComplete has run.
    expect(waits.length).toBeGreaterThan(0);
  });

  it('every hook gets the event, its plugin state and the handler; one state object per plugin per request', async () => {
    const { options } = setup();
    const log = recorder();
    const other = recorder();
    const { event } = fakeEvent();
    const strategy = new CacheFirst({ ...options, plugins: [log.plugin, other.plugin] });
    const [, done] = strategy.handleAll({ request: new Request(url('/a')), event });
    await done;
    const states = new Set(log.calls.map((call) => call.param.state));
    expect(states.size).toBe(1);
    const [state] = states;
    expect(state?.seen).toEqual(log.order());
    for (const { param } of log.calls) {
      expect(param.event).toBe(event);
      expect(param.handler).toBeInstanceOf(StrategyHandler);
    }
    // Another plugin has its own state; a second request starts from a fresh one.
    expect(other.calls[0]?.param.state).not.toBe(state);
    const [, again] = strategy.handleAll({ request: new Request(url('/a')), event });
    await again;
    const second = log.calls.at(-1)?.param.state;
    expect(second).not.toBe(state);
    expect(second?.seen).toContain('handlerWillStart');
  });

  it('handlerWillStart: first, with the request', async () => {
    const { options } = setup();
    const log = recorder();
    const request = new Request(url('/start'));
    await new NetworkOnly({ ...options, plugins: [log.plugin] }).handle(request);
    expect(log.order()[0]).toBe('handlerWillStart');
    expect(log.find('handlerWillStart')[0]).toMatchObject({ request });
  });

  it('cacheKeyWillBeUsed: mode read before a cache read, write before a write, with the route params', async () => {
    const { options } = setup();
    const log = recorder();
    const [, done] = new CacheFirst({ ...options, plugins: [log.plugin] }).handleAll({
      request: new Request(url('/items/7')),
      params: { id: '7' },
    });
    await done;
    const [read, write] = log.find('cacheKeyWillBeUsed');
    expect(read).toMatchObject({ mode: 'read', params: { id: '7' } });
    expect(write).toMatchObject({ mode: 'write', params: { id: '7' } });
    expect(read?.request.url).toBe(url('/items/7'));
  });

  it('cachedResponseWillBeUsed: with cacheName, the key, matchOptions and the cached response (or undefined)', async () => {
    const { options } = setup();
    const log = recorder();
    const strategy = new CacheFirst({ ...options, matchOptions: { ignoreSearch: true }, plugins: [log.plugin] });
    const [, first] = strategy.handleAll(new Request(url('/c')));
    await first;
    await strategy.handle(new Request(url('/c')));
    const [miss, hit] = log.find('cachedResponseWillBeUsed');
    expect(miss).toMatchObject({
      cacheName: 'runtime',
      cachedResponse: undefined,
      matchOptions: { ignoreSearch: true },
    });
    expect(hit && 'cachedResponse' in hit && (await hit.cachedResponse?.text())).toBe('net');
  });

  it('requestWillFetch: a clone of the request before it goes out; what it returns is what is sent', async () => {
    const { options, requests } = setup();
    const plugin: StrategyPlugin = {
      requestWillFetch: ({ request }) => new Request(request, { headers: { 'x-added': 'yes' } }),
    };
    await new NetworkOnly({ ...options, plugins: [plugin] }).handle(new Request(url('/r')));
    expect(requests[0]?.headers.get('x-added')).toBe('yes');
  });

  it('fetchDidFail: on a network rejection, with the original request, the request sent and the error', async () => {
    const { options } = setup(offline);
    const log = recorder();
    const request = new Request(url('/down'));
    await expect(new NetworkOnly({ ...options, plugins: [log.plugin] }).handle(request)).rejects.toThrow(
      'Failed to fetch',
    );
    const [failed] = log.find('fetchDidFail');
    expect(failed).toMatchObject({ originalRequest: request });
    expect(failed?.request.url).toBe(request.url);
    expect(failed && 'error' in failed && failed.error).toBeInstanceOf(TypeError);
    // A network failure is not an HTTP error: fetchDidSucceed never ran.
    expect(log.find('fetchDidSucceed')).toEqual([]);
  });

  it('fetchDidSucceed: with the request and the response, for any HTTP status; may replace it', async () => {
    const { options } = setup(async () => new Response('gone', { status: 410 }));
    const plugin: StrategyPlugin = {
      fetchDidSucceed: ({ response }) => (response.status === 410 ? new Response('replaced') : response),
    };
    const response = await new NetworkOnly({ ...options, plugins: [plugin] }).handle(new Request(url('/s')));
    expect(await response.text()).toBe('replaced');
  });

  it('cacheWillUpdate: before a write, after the cacheable rules; undefined or null vetoes it', async () => {
    for (const veto of [null, undefined]) {
      const { options, caches } = setup();
      const log = recorder();
      const plugin: StrategyPlugin = { cacheWillUpdate: () => veto };
      const [, done] = new CacheFirst({ ...options, plugins: [log.plugin, plugin] }).handleAll(new Request(url('/v')));
      await done;
      expect(log.find('cacheWillUpdate')).toHaveLength(1);
      expect(log.find('cacheDidUpdate')).toEqual([]);
      expect(await (await caches.open('runtime')).match(url('/v'))).toBeUndefined();
    }
  });

  it('cacheDidUpdate: after a write, with cacheName, the key, the old response and the new one', async () => {
    const { options } = setup();
    const log = recorder();
    const strategy = new NetworkFirst({ ...options, plugins: [log.plugin] });
    for (let i = 0; i < 2; i++) {
      const [, done] = strategy.handleAll(new Request(url('/u')));
      await done;
    }
    const [first, second] = log.find('cacheDidUpdate');
    expect(first).toMatchObject({ cacheName: 'runtime', oldResponse: undefined });
    expect(second && 'oldResponse' in second && (await second.oldResponse?.text())).toBe('net');
    expect(second && 'newResponse' in second && second.newResponse).toBeInstanceOf(Response);
  });

  it('handlerDidError: when the strategy failed, with the error; the first response returned answers', async () => {
    const { options } = setup(offline);
    const log = recorder();
    const fallback: StrategyPlugin = { handlerDidError: () => new Response('offline page') };
    const response = await new NetworkOnly({ ...options, plugins: [log.plugin, fallback] }).handle(
      new Request(url('/e')),
    );
    expect(await response.text()).toBe('offline page');
    const [failed] = log.find('handlerDidError');
    expect(failed && 'error' in failed && failed.error).toBeInstanceOf(TypeError);
    // What the fallback answered is what handlerWillRespond sees.
    expect(log.find('handlerWillRespond')[0]).toMatchObject({ response });
  });

  it('handlerWillRespond: the last word on the response the page gets', async () => {
    const { options } = setup();
    const plugin: StrategyPlugin = {
      handlerWillRespond: ({ response }) => new Response(response.body, { headers: { 'x-seen': '1' } }),
    };
    const response = await new NetworkOnly({ ...options, plugins: [plugin] }).handle(new Request(url('/w')));
    expect(response.headers.get('x-seen')).toBe('1');
  });

  it('handlerDidRespond: after the response, with it (undefined when the strategy failed)', async () => {
    const { options } = setup(offline);
    const log = recorder();
    const [response, done] = new NetworkOnly({ ...options, plugins: [log.plugin] }).handleAll(new Request(url('/x')));
    await expect(response).rejects.toThrow();
    await done;
    expect(log.find('handlerDidRespond')[0]).toMatchObject({ response: undefined });
  });

  it('handlerDidComplete: last, after the background cache write, with the response and the error', async () => {
    const { options, caches } = setup();
    let cachedAtCompletion: string | undefined;
    const plugin: StrategyPlugin = {
      handlerDidComplete: async ({ response, error }) => {
        expect(response).toBeInstanceOf(Response);
        expect(error).toBeUndefined();
        cachedAtCompletion = await (await (await caches.open('runtime')).match(url('/z')))?.text();
      },
    };
    const [, done] = new CacheFirst({ ...options, plugins: [plugin] }).handleAll(new Request(url('/z')));
    await done;
    expect(cachedAtCompletion).toBe('net');

    const failing = setup(offline);
    const errors: unknown[] = [];
    const [response, failed] = new NetworkOnly({
      ...failing.options,
      plugins: [{ handlerDidComplete: ({ error }) => void errors.push(error) }],
    }).handleAll(new Request(url('/z')));
    await expect(response).rejects.toThrow();
    await failed;
    expect(errors[0]).toBeInstanceOf(TypeError);
  });

  it('a class-based plugin keeps its `this`', async () => {
    const { options } = setup();
    class Counter implements StrategyPlugin {
      count = 0;
      fetchDidSucceed({ response }: HookParam<'fetchDidSucceed'>) {
        this.count++;
        return response;
      }
    }
    const counter = new Counter();
    await new NetworkOnly({ ...options, plugins: [counter] }).handle(new Request(url('/k')));
    expect(counter.count).toBe(1);
  });
});

// Written against Workbox's documented contract, as a port from Workbox would be: workbox-cacheable-response's
// CacheableResponsePlugin (cacheWillUpdate returns the response or null) ...
class CacheableResponseLikePlugin {
  readonly #statuses: number[];
  readonly #headers: Record<string, string>;
  constructor(config: { statuses?: number[]; headers?: Record<string, string> }) {
    this.#statuses = config.statuses ?? [];
    this.#headers = config.headers ?? {};
  }
  cacheWillUpdate = async ({ response }: { request: Request; response: Response }): Promise<Response | null> => {
    const statusOk = this.#statuses.length === 0 || this.#statuses.includes(response.status);
    const headersOk = Object.entries(this.#headers).every(([name, value]) => response.headers.get(name) === value);
    return statusOk && headersOk ? response : null;
  };
}

// ... and workbox-expiration's ExpirationPlugin, reduced to maxAgeSeconds: it drops a cached response whose Date
// header is too old in cachedResponseWillBeUsed, and records when each entry was written in cacheDidUpdate. Its
// `this`, its use of `state` and of `event` are what a Workbox plugin relies on.
class ExpirationLikePlugin {
  readonly written = new Map<string, number>();
  readonly #maxAgeSeconds: number;
  readonly #now: () => number;
  constructor(config: { maxAgeSeconds: number }, now: () => number) {
    this.#maxAgeSeconds = config.maxAgeSeconds;
    this.#now = now;
  }
  cachedResponseWillBeUsed = async ({
    cachedResponse,
    state,
  }: {
    cachedResponse?: Response | undefined;
    state?: Record<string, unknown>;
  }): Promise<Response | null> => {
    if (!cachedResponse) return null;
    const date = Date.parse(cachedResponse.headers.get('date') ?? '');
    const fresh = Number.isNaN(date) || date >= this.#now() - this.#maxAgeSeconds * 1000;
    if (state) state.expired = !fresh;
    return fresh ? cachedResponse : null;
  };
  cacheDidUpdate = async ({ request, event }: { request: Request; event?: unknown }): Promise<void> => {
    this.written.set(request.url, this.#now());
    expect(event).toBeDefined();
  };
}

describe('plugins written to the Workbox contract run unchanged', () => {
  it('a CacheableResponsePlugin-like plugin: caches 0 and 200 when told, never a 404 or a wrong header', async () => {
    const statuses = new Map([
      ['/ok', 200],
      ['/missing', 404],
    ]);
    const { options, caches } = setup(
      async (request) =>
        new Response('body', {
          status: statuses.get(new URL(request.url).pathname) ?? 200,
          headers: { 'x-cache': new URL(request.url).pathname === '/wrong-header' ? 'no' : 'yes' },
        }),
    );
    const plugin = new CacheableResponseLikePlugin({ statuses: [0, 200], headers: { 'x-cache': 'yes' } });
    const strategy = new NetworkFirst({ ...options, cacheable: { statuses: [200, 404] }, plugins: [plugin] });
    for (const path of ['/ok', '/missing', '/wrong-header']) {
      const [, done] = strategy.handleAll(new Request(url(path)));
      await done;
    }
    const cache = await caches.open('runtime');
    expect(await cache.match(url('/ok'))).toBeDefined();
    expect(await cache.match(url('/missing'))).toBeUndefined();
    expect(await cache.match(url('/wrong-header'))).toBeUndefined();
  });

  it('an ExpirationPlugin-like plugin: a response older than maxAgeSeconds is not served; writes are recorded', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { options, requests } = setup(
      async () => new Response(`v${requests.length}`, { headers: { date: new Date(now).toUTCString() } }),
    );
    const plugin = new ExpirationLikePlugin({ maxAgeSeconds: 60 }, () => now);
    const { event } = fakeEvent();
    const strategy = new CacheFirst({ ...options, plugins: [plugin] });
    const get = async () => {
      const [response, done] = strategy.handleAll({ request: new Request(url('/news')), event });
      const text = await (await response).text();
      await done;
      return text;
    };
    expect(await get()).toBe('v1');
    expect(plugin.written.get(url('/news'))).toBe(now);
    now += 30_000;
    expect(await get()).toBe('v1');
    now += 60_000;
    expect(await get()).toBe('v2');
    expect(requests).toHaveLength(2);
  });

  it('route matchers see the whole Request, headers included', async () => {
    const { options } = setup();
    const router = new Router({ origin: ORIGIN }).get(
      ({ request }) => request.headers.get('accept') === 'application/json',
      new NetworkOnly(options),
    );
    expect(router.findRoute(new Request(url('/api'), { headers: { accept: 'application/json' } }))).toBeDefined();
    expect(router.findRoute(new Request(url('/api'), { headers: { accept: 'text/html' } }))).toBeUndefined();
  });
});
