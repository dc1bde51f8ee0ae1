import { createHash } from 'node:crypto';
import type { Article, ArticleSummary, NewsList } from './news-wire.js';

/** How many articles the list carries (the newest). */
export const LIST_SIZE = 20;

const SUBJECTS = ['Harbour', 'Orchard', 'Library', 'Railway', 'Market', 'Observatory', 'Bridge', 'Festival'];
const EVENTS = ['reopens after repairs', 'sets a new record', 'welcomes visitors', 'plans a night opening'];
const COLOURS = ['#1b6f6a', '#8a4b08', '#3a4fa0', '#a02a4a', '#4d7a1f', '#6a3a9a'];

/** The `n`th article the server publishes (1-based), published at `publishedAt`. Deterministic, for tests. */
export function makeArticle(n: number, publishedAt: number): Article {
  const subject = SUBJECTS[n % SUBJECTS.length];
  const event = EVENTS[Math.floor(n / SUBJECTS.length) % EVENTS.length];
  const title = `${subject} ${event} (#${n})`;
  const summary = `Story ${n}: the ${subject?.toLowerCase()} ${event}.`;
  const body = [
    summary,
    `Residents gathered early on the day. "We have waited a long time for this," one of them said.`,
    `Story ${n} was published by the Outpost demo server so the app has something fresh to fetch.`,
  ].join('\n\n');
  return { id: String(n), title, summary, body, publishedAt, image: `/api/news/images/${n}.svg` };
}

/** The article's picture: a small SVG card in one of a few colours with the story number. */
export function articleImage(article: Pick<Article, 'id'>): string {
  const n = Number(article.id);
  const colour = COLOURS[n % COLOURS.length];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">` +
    `<rect width="320" height="180" fill="${colour}"/>` +
    `<circle cx="260" cy="50" r="28" fill="#ffffff" opacity="0.35"/>` +
    `<text x="24" y="150" font-family="sans-serif" font-size="64" fill="#ffffff">#${article.id}</text></svg>`
  );
}

/** The list body for `articles` (any order): the newest {@link LIST_SIZE} first, without bodies. */
export function newsList(articles: readonly Article[]): NewsList {
  const newest = [...articles].sort((a, b) => b.publishedAt - a.publishedAt || Number(b.id) - Number(a.id));
  return {
    articles: newest
      .slice(0, LIST_SIZE)
      .map(
        ({ id, title, summary, publishedAt, image }): ArticleSummary => ({ id, title, summary, publishedAt, image }),
      ),
  };
}

/** A strong ETag of a body: the same bytes always get the same tag. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag` (RFC 9110 13.1.2: weak comparison, `*` matches anything,
 * a comma-separated list matches if any member does).
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}
