import { describe, expect, it } from 'vitest';
import { createNavigationHandler } from '../src/caching/precache/navigation-fallback.sw.js';
import { Precache, PrecacheInstallError } from '../src/caching/precache/precache.sw.js';
import type { PrecacheEntry } from '../src/caching/precache/precache-manifest.js';
import { InMemoryCacheStorage } from './in-memory-caches.js';

const scope = 'https://app.example/';

/** A fake origin server: serves `files`, counts requests, fails the paths in `broken`. */
function origin(files: Record<string, string>, broken: Record<string, number> = {}) {
  const requests: Request[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (request: Request): Promise<Response> => {
    requests.push(request);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight--;
    const path = new URL(request.url).pathname;
    const status = broken[path];
    if (status === 0) throw new TypeError('Failed to fetch');
    if (status) return new Response('broken', { status, statusText: 'Broken' });
    const body = files[path];
    return body === undefined ? new Response('missing', { status: 404 }) : new Response(body, { status: 200 });
  };
  return { fetch, requests, maxInFlight: () => maxInFlight };
}

const v1: PrecacheEntry[] = [
  { url: '/index.html', revision: 'r1' },
  { url: '/assets/app-AAAA1111.js', revision: null },
  { url: '/icon.png', revision: 'i1' },
];
const v1Files = { '/index.html': '<h1>v1</h1>', '/assets/app-AAAA1111.js': 'app1', '/icon.png': 'png' };

describe('Precache.install', () => {
  it('fetches every file into a versioned cache, bypassing the HTTP cache', async () => {
    const caches = new InMemoryCacheStorage();
    const server = origin(v1Files);
    const precache = new Precache(v1, { scope, caches, fetch: server.fetch });
    const result = await precache.install();

    expect(precache.cacheName).toMatch(/^outpost-precache@https:\/\/app\.example\/#[0-9a-f]{16}$/);
    expect(result.fetched.sort()).toEqual([
      'https://app.example/assets/app-AAAA1111.js',
      'https://app.example/icon.png',
      'https://app.example/index.html',
    ]);
    expect(server.requests.every((r) => r.cache === 'reload')).toBe(true);
    expect(await (await precache.match('https://app.example/index.html'))?.text()).toBe('<h1>v1</h1>');
    const keys = (await (await caches.open(precache.cacheName)).keys()).map((r) => r.url).sort();
    expect(keys).toEqual([
      'https://app.example/assets/app-AAAA1111.js',
      'https://app.example/icon.png?__outpost_revision=i1',
      'https://app.example/index.html?__outpost_revision=r1',
    ]);
  });

  it('keeps at most `concurrency` fetches in flight', async () => {
    const files: Record<string, string> = {};
    const manifest: PrecacheEntry[] = [];
    for (let i = 0; i < 40; i++) {
      files[`/f${i}`] = `body ${i}`;
      manifest.push({ url: `/f${i}`, revision: String(i) });
    }
    const server = origin(files);
    await new Precache(manifest, {
      scope,
      caches: new InMemoryCacheStorage(),
      fetch: server.fetch,
      concurrency: 5,
    }).install();
    expect(server.requests).toHaveLength(40);
    expect(server.maxInFlight()).toBe(5);
  });

  it('takes every file exactly once, also with more lanes than files', async () => {
    const server = origin(v1Files);
    const caches = new InMemoryCacheStorage();
    await new Precache(v1, { scope, caches, fetch: server.fetch, concurrency: 10 }).install();
    expect(server.requests.map((r) => new URL(r.url).pathname).sort()).toEqual([
      '/assets/app-AAAA1111.js',
      '/icon.png',
      '/index.html',
    ]);
  });

  it('fails the install with every failing URL and its reason, leaving the old version serving', async () => {
    const caches = new InMemoryCacheStorage();
    const old = new Precache(v1, { scope, caches, fetch: origin(v1Files).fetch });
    await old.install();
    await old.activate();

    const v2 = [...v1, { url: '/gone.css', revision: 'g' }, { url: '/down.js', revision: 'd' }];
    const next = new Precache(v2, { scope, caches, fetch: origin(v1Files, { '/down.js': 0 }).fetch });
    const error = await next.install().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrecacheInstallError);
    const failures = (error as PrecacheInstallError).failures.sort((a, b) => a.url.localeCompare(b.url));
    expect(failures).toEqual([
      { url: 'https://app.example/down.js', status: null, reason: 'TypeError: Failed to fetch' },
      { url: 'https://app.example/gone.css', status: 404, reason: 'HTTP 404' },
    ]);
    expect(await (await old.match('https://app.example/index.html'))?.text()).toBe('<h1>v1</h1>');
  });

  it('copies unchanged files from the previous version and downloads only what changed', async () => {
    const caches = new InMemoryCacheStorage();
    await new Precache(v1, { scope, caches, fetch: origin(v1Files).fetch }).install();

    const v2: PrecacheEntry[] = [
      { url: '/index.html', revision: 'r2' },
      { url: '/assets/app-BBBB2222.js', revision: null },
      { url: '/icon.png', revision: 'i1' },
    ];
    const server = origin({ '/index.html': '<h1>v2</h1>', '/assets/app-BBBB2222.js': 'app2' });
    const next = new Precache(v2, { scope, caches, fetch: server.fetch });
    const result = await next.install();
    expect(result.reused).toEqual(['https://app.example/icon.png']);
    expect(server.requests.map((r) => new URL(r.url).pathname).sort()).toEqual([
      '/assets/app-BBBB2222.js',
      '/index.html',
    ]);
    expect(await (await next.match('https://app.example/icon.png'))?.text()).toBe('png');
  });

  it('resumes an interrupted install without downloading again what it already has', async () => {
    const caches = new InMemoryCacheStorage();
    const first = new Precache(v1, { scope, caches, fetch: origin(v1Files, { '/icon.png': 500 }).fetch });
    await expect(first.install()).rejects.toBeInstanceOf(PrecacheInstallError);
    const server = origin(v1Files);
    const retry = new Precache(v1, { scope, caches, fetch: server.fetch });
    await retry.install();
    expect(server.requests.map((r) => new URL(r.url).pathname)).toEqual(['/icon.png']);
  });
});

describe('Precache.activate', () => {
  it("deletes this scope's older precache caches and nothing else", async () => {
    const caches = new InMemoryCacheStorage();
    await caches.open('user-downloads');
    await caches.open('outpost-precache@https://app.example/other/#0000000000000000');
    const old = new Precache(v1, { scope, caches, fetch: origin(v1Files).fetch });
    await old.install();
    const v2 = v1.map((e) => (e.url === '/index.html' ? { ...e, revision: 'r2' } : e));
    const next = new Precache(v2, { scope, caches, fetch: origin(v1Files).fetch });
    await next.install();

    expect(await next.activate()).toEqual([old.cacheName]);
    expect((await caches.keys()).sort()).toEqual(
      ['outpost-precache@https://app.example/other/#0000000000000000', next.cacheName, 'user-downloads'].sort(),
    );
  });
});

describe('Precache.match', () => {
  it('maps directory URLs to index.html, ignores fragments, and misses unknown URLs', async () => {
    const precache = new Precache(v1, { scope, caches: new InMemoryCacheStorage(), fetch: origin(v1Files).fetch });
    await precache.install();
    expect(await (await precache.match('https://app.example/'))?.text()).toBe('<h1>v1</h1>');
    expect(await (await precache.match('https://app.example/index.html#x'))?.text()).toBe('<h1>v1</h1>');
    expect(await precache.match('https://app.example/index.html?x=1')).toBeUndefined();
    expect(await precache.match('https://other.example/index.html')).toBeUndefined();
  });
});

describe('createNavigationHandler', () => {
  async function setup(network: (request: Request) => Promise<Response>, networkTimeoutSeconds?: number) {
    const precache = new Precache(v1, { scope, caches: new InMemoryCacheStorage(), fetch: origin(v1Files).fetch });
    await precache.install();
    const options = { precache, scope, fetch: network, denylist: [/^\/api\//] };
    return createNavigationHandler(
      networkTimeoutSeconds === undefined ? options : { ...options, networkTimeoutSeconds },
    );
  }

  it('answers from the network when it can', async () => {
    const handle = await setup(async () => new Response('fresh'));
    expect(await (await handle(new Request('https://app.example/mail')))?.text()).toBe('fresh');
  });

  it('answers with the precached shell when the network fails or errors with 5xx', async () => {
    const offline = await setup(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await (await offline(new Request('https://app.example/music')))?.text()).toBe('<h1>v1</h1>');
    const broken = await setup(async () => new Response('bad gateway', { status: 502 }));
    expect(await (await broken(new Request('https://app.example/music')))?.text()).toBe('<h1>v1</h1>');
  });

  it('answers with the shell when the network hangs past the timeout', async () => {
    const handle = await setup(() => new Promise<Response>(() => undefined), 0.02);
    expect(await (await handle(new Request('https://app.example/news')))?.text()).toBe('<h1>v1</h1>');
  });

  it('leaves denylisted paths and non-GET requests to the browser', async () => {
    const handle = await setup(async () => new Response('fresh'));
    expect(handle(new Request('https://app.example/api/auth/me'))).toBeUndefined();
    expect(handle(new Request('https://app.example/form', { method: 'POST' }))).toBeUndefined();
  });

  it('offline, a precached page other than the fallback answers with itself (a multi-page app)', async () => {
    const pages: PrecacheEntry[] = [
      { url: '/index.html', revision: 'r1' },
      { url: '/about.html', revision: 'a1' },
    ];
    const files = { '/index.html': '<h1>home</h1>', '/about.html': '<h1>about</h1>' };
    const precache = new Precache(pages, { scope, caches: new InMemoryCacheStorage(), fetch: origin(files).fetch });
    await precache.install();
    const handle = createNavigationHandler({
      precache,
      scope,
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    expect(await (await handle(new Request('https://app.example/about.html')))?.text()).toBe('<h1>about</h1>');
    expect(await (await handle(new Request('https://app.example/unknown')))?.text()).toBe('<h1>home</h1>');
  });

  it('refuses a fallback that is not precached', () => {
    const precache = new Precache(v1, { scope, caches: new InMemoryCacheStorage() });
    expect(() => createNavigationHandler({ precache, scope, fallbackUrl: 'offline.html' })).toThrow(
      /not in the precache/,
    );
  });
});
