// What the News page and the service worker agree on: the periodic tag, the caches and the list's address.

/** The Periodic Background Sync tag of the News refresh (MDN's example tag). */
export const NEWS_TAG = 'update-news';

/** The list the refresh caches (one entry: the last list, with its ETag). */
export const NEWS_LIST_CACHE = 'news-list';
/** Whole articles, by URL; limited to {@link NEWS_CACHE_MAX_ENTRIES}, the oldest go first. */
export const NEWS_ARTICLES_CACHE = 'news-articles';
/** Article pictures, by URL; the same limit. */
export const NEWS_IMAGES_CACHE = 'news-images';
/** More than the list's 20, so every listed article stays readable offline. */
export const NEWS_CACHE_MAX_ENTRIES = 40;

/** The list's path. */
export const NEWS_LIST_PATH = '/api/news';

/** The URL of an article's JSON. */
export function articlePath(id: string): string {
  return `/api/news/articles/${encodeURIComponent(id)}`;
}

/** How often the app asks to refresh: hourly (Chromium itself waits about 12 hours between runs). */
export const NEWS_MIN_INTERVAL_MS = 60 * 60_000;
