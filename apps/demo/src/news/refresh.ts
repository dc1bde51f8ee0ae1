import type { Article, NewsList } from '../server/news/news-wire.js';
import { articlePath, NEWS_ARTICLES_CACHE, NEWS_IMAGES_CACHE, NEWS_LIST_CACHE, NEWS_LIST_PATH } from './news.js';

/** The part of a periodic run's context the refresh uses (`PeriodicContext` of @outpost/pwa/sw has it). */
export interface RefreshContext {
  signal: AbortSignal;
  stage: { put(cacheName: string, request: RequestInfo | URL, response: Response): Promise<void> };
}

/** Where the refresh reads and fetches: the worker's globals, or stand-ins in a bench. */
export interface RefreshEnvironment {
  fetch: typeof fetch;
  caches: CacheStorage;
  /** The app's origin, e.g. `self.location.origin`. */
  origin: string;
}

/** What one refresh did: the list's status and how many articles it added. */
export type RefreshSummary = { listStatus: number; added: number };

/**
 * The News refresh, the one handler both Periodic Background Sync and the fallback run. It asks for the list
 * with the cached list's ETag, so nothing new costs a 304 and no body; otherwise it stages each article it has
 * not cached yet and its picture, then the list last, so the committed list never names an article that is not
 * there.
 */
export function refreshNews(env: RefreshEnvironment): (context: RefreshContext) => Promise<RefreshSummary> {
  return async ({ signal, stage }) => {
    const listUrl = new URL(NEWS_LIST_PATH, env.origin).href;
    const cachedList = await (await env.caches.open(NEWS_LIST_CACHE)).match(listUrl);
    const etag = cachedList?.headers.get('etag');
    // no-store: our own If-None-Match goes out as is and a 304 comes back to us, not to the HTTP cache.
    const response = await env.fetch(listUrl, {
      signal,
      cache: 'no-store',
      headers: etag ? { 'if-none-match': etag } : {},
    });
    if (response.status === 304) return { listStatus: 304, added: 0 };
    if (!response.ok) throw new Error(`the news list answered ${response.status}`);
    const list = (await response.clone().json()) as NewsList;
    const articles = await env.caches.open(NEWS_ARTICLES_CACHE);
    let added = 0;
    for (const summary of list.articles) {
      const articleUrl = new URL(articlePath(summary.id), env.origin).href;
      if (await articles.match(articleUrl)) continue;
      const article = await fetchOk(env, articleUrl, signal);
      const imageUrl = new URL(((await article.clone().json()) as Article).image, env.origin).href;
      const image = await fetchOk(env, imageUrl, signal);
      await stage.put(NEWS_IMAGES_CACHE, imageUrl, image);
      await stage.put(NEWS_ARTICLES_CACHE, articleUrl, article);
      added++;
    }
    await stage.put(NEWS_LIST_CACHE, listUrl, response);
    return { listStatus: response.status, added };
  };
}

async function fetchOk(env: RefreshEnvironment, url: string, signal: AbortSignal): Promise<Response> {
  const response = await env.fetch(url, { signal, cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response;
}
