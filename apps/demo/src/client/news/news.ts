import { createPeriodic, type Periodic, type PeriodicRunRecord, type PeriodicStatus } from '@outpost/pwa/client';
import { signal } from '@preact/signals';
import {
  articlePath,
  NEWS_ARTICLES_CACHE,
  NEWS_LIST_CACHE,
  NEWS_LIST_PATH,
  NEWS_MIN_INTERVAL_MS,
  NEWS_TAG,
} from '../../news/news';
import type { Article, ArticleSummary, NewsList } from '../../server/news/news-wire';

const SWITCH_KEY = 'outpost.news.background';

/** The cached list (what the last successful refresh brought), newest first; null before the first one. */
export const newsArticles = signal<ArticleSummary[] | null>(null);
/** What `register` reported, or null while background refresh is off. */
export const newsStatus = signal<PeriodicStatus | null>(null);
/** The refresh's last run, whoever ran it (the browser's periodic sync or a page's fallback). */
export const newsLastRun = signal<PeriodicRunRecord | null>(null);
/** What `getTags()` says is registered, re-read after every status change (shown in the settings). */
export const newsTags = signal<string[]>([]);
/** The settings switch: background refresh on (default) or off, remembered on this device. */
export const newsBackground = signal<boolean>(globalThis.localStorage?.getItem(SWITCH_KEY) !== 'off');

let periodic: Periodic | null = null;

/**
 * Starts News: shows what is cached, follows every run, and registers the refresh when the switch is on
 * (Periodic Background Sync where the browser allows it, the fallback — launch and visibility, once per
 * interval across tabs — where not).
 */
export function startNews(): void {
  if (periodic) return;
  const handle = createPeriodic();
  periodic = handle;
  handle.subscribe((change) => {
    if (change.kind === 'run' && change.record.tag === NEWS_TAG) {
      newsLastRun.value = change.record;
      void readCachedList();
    }
    if (change.kind === 'status' && change.status.tag === NEWS_TAG) {
      newsStatus.value = change.status;
      newsBackground.value = true;
    }
    if (change.kind === 'unregistered' && change.tag === NEWS_TAG) {
      newsStatus.value = null;
      newsBackground.value = false;
    }
    if (change.kind !== 'run') void readTags();
  });
  void readCachedList();
  void readTags();
  void handle.lastRun(NEWS_TAG).then((record) => {
    newsLastRun.value = record ?? null;
  });
  if (newsBackground.value) void switchBackground(true);
}

/** Turns background refresh on (registers) or off (unregisters and stops the fallback). */
export async function switchBackground(on: boolean): Promise<void> {
  if (!periodic) return;
  newsBackground.value = on;
  globalThis.localStorage?.setItem(SWITCH_KEY, on ? 'on' : 'off');
  if (on) newsStatus.value = await periodic.register(NEWS_TAG, { minInterval: NEWS_MIN_INTERVAL_MS });
  else {
    await periodic.unregister(NEWS_TAG);
    newsStatus.value = null;
  }
  await readTags();
}

/** Refreshes now, whatever the interval says (still one tab at a time). */
export async function refreshNow(): Promise<void> {
  const record = await periodic?.refresh(NEWS_TAG, { force: true });
  if (record) newsLastRun.value = record;
  await readCachedList();
}

async function readTags(): Promise<void> {
  if (periodic) newsTags.value = await periodic.getTags();
}

async function readCachedList(): Promise<void> {
  const cached = await (await caches.open(NEWS_LIST_CACHE)).match(NEWS_LIST_PATH);
  newsArticles.value = cached ? ((await cached.json()) as NewsList).articles : null;
}

/** An article from the cache (null if it is not there: it was never refreshed, or it expired). */
export async function cachedArticle(id: string): Promise<Article | null> {
  const cached = await (await caches.open(NEWS_ARTICLES_CACHE)).match(articlePath(id));
  return cached ? ((await cached.json()) as Article) : null;
}
