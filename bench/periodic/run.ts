// bench/periodic: the bytes one News refresh costs on the wire, as the demo's service worker does it (the list
// asked with If-None-Match, then only the articles and pictures not cached yet), side by side with two
// anchors run against the same server state:
//   without ETag:    the same refresh, but the list is always fetched whole (no If-None-Match);
//   refetch all:     a refresh that fetches the list and every listed article and picture each time.
// Two cases: nothing new since the last refresh (the list answers 304), and one new article.
// Bytes are counted on the server's sockets: request bytes read plus response bytes written (headers and
// bodies, HTTP/1.1, no compression). Node's fetch sends fewer request headers than a browser (no cookies,
// no Accept-Language): a browser adds a few hundred bytes per request, the responses are the same.
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import { NEWS_ARTICLES_CACHE, NEWS_LIST_CACHE } from '../../apps/demo/src/news/news.js';
import { type RefreshContext, refreshNews } from '../../apps/demo/src/news/refresh.js';
import type { NewsList } from '../../apps/demo/src/server/news/news-wire.js';
import { newsRoutes } from '../../apps/demo/src/server/news/routes.js';
import { addSecurityHeaders } from '../../apps/demo/src/server/security-headers.js';
import { InMemoryCacheStorage } from '../../packages/pwa/test/in-memory-caches.js';

const app = Fastify();
addSecurityHeaders(app);
await app.register(newsRoutes, { publishEveryMs: 0, seed: 20 });
const sockets = new Set<Socket>();
app.server.on('connection', (socket: Socket) => sockets.add(socket));
const seen = new WeakMap<Socket, { read: number; written: number }>();
const origin = await app.listen({ host: '127.0.0.1', port: 0 });

/** Bytes moved on every socket since the last call. */
function wireBytes(): number {
  let total = 0;
  for (const socket of sockets) {
    const before = seen.get(socket) ?? { read: 0, written: 0 };
    total += socket.bytesRead - before.read + (socket.bytesWritten - before.written);
    seen.set(socket, { read: socket.bytesRead, written: socket.bytesWritten });
  }
  return total;
}

/** A stage that writes at once: the bench measures the network, not the commit. */
function stageInto(storage: CacheStorage): RefreshContext['stage'] {
  return {
    async put(cacheName, request, response) {
      await (await storage.open(cacheName)).put(request, response);
    },
  };
}

type Variant = 'ours' | 'without ETag' | 'refetch all';

const withoutEtag: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.delete('if-none-match');
  return fetch(input, { ...init, headers });
};

async function refetchAll(storage: CacheStorage): Promise<void> {
  const list = (await (await fetch(new URL('/api/news', origin))).json()) as NewsList;
  for (const article of list.articles) {
    await (await fetch(new URL(`/api/news/articles/${article.id}`, origin))).arrayBuffer();
    await (await fetch(new URL(article.image, origin))).arrayBuffer();
  }
  await (await storage.open(NEWS_LIST_CACHE)).put(
    new URL('/api/news', origin).href,
    new Response(JSON.stringify(list)),
  );
}

async function refresh(variant: Variant, storage: CacheStorage): Promise<number> {
  wireBytes();
  const signal = new AbortController().signal;
  if (variant === 'refetch all') await refetchAll(storage);
  else {
    const run = refreshNews({ fetch: variant === 'ours' ? fetch : withoutEtag, caches: storage, origin });
    await run({ signal, stage: stageInto(storage) });
  }
  // Let the last response's bytes be counted.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return wireBytes();
}

const variants: Variant[] = ['ours', 'without ETag', 'refetch all'];
const storages = new Map(variants.map((v) => [v, new InMemoryCacheStorage()]));
// A first refresh fills every variant's cache with the 20 listed articles.
for (const variant of variants) await refresh(variant, storages.get(variant) as CacheStorage);

const nothingNew = new Map<Variant, number>();
for (const variant of variants) nothingNew.set(variant, await refresh(variant, storages.get(variant) as CacheStorage));

await app.inject({ method: 'POST', url: '/api/news/publish' });
const oneNew = new Map<Variant, number>();
for (const variant of variants) oneNew.set(variant, await refresh(variant, storages.get(variant) as CacheStorage));
const cachedArticles = (await (await (storages.get('ours') as CacheStorage).open(NEWS_ARTICLES_CACHE)).keys()).length;

const row = (name: string, values: Map<Variant, number>) => {
  const ours = values.get('ours') ?? 0;
  const cells = variants.map((v) => `${String(values.get(v)).padStart(8)} B`);
  const ratios = variants.slice(1).map((v) => `${((values.get(v) ?? 0) / ours).toFixed(1)}x`);
  console.log(`${name.padEnd(16)}${cells.join('  ')}   anchors/ours: ${ratios.join(', ')}`);
};
console.log(`bytes on the wire per refresh (list of 20; ${cachedArticles} articles cached after the run)`);
console.log(`${''.padEnd(16)}${variants.map((v) => v.padStart(10)).join('  ')}`);
row('nothing new', nothingNew);
row('one new article', oneNew);
await app.close();
