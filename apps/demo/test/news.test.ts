import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { etagOf, ifNoneMatchHits, LIST_SIZE, makeArticle, newsList } from '../src/server/news/articles.js';
import type { NewsList } from '../src/server/news/news-wire.js';
import { newsRoutes } from '../src/server/news/routes.js';

// The News API: a seed set, publishing, a list with a strong ETag answered 304 on If-None-Match, and the
// pure pieces under it.

let app: FastifyInstance;
let clock = 1_700_000_000_000;

beforeEach(async () => {
  app = Fastify();
  await app.register(newsRoutes, { publishEveryMs: 0, now: () => clock });
  await app.ready();
});

afterEach(async () => {
  await app.close();
});

describe('GET /api/news', () => {
  it('lists the seed set newest first with an ETag, and answers 304 to If-None-Match', async () => {
    const first = await app.inject({ url: '/api/news' });
    expect(first.statusCode).toBe(200);
    const list = first.json<NewsList>();
    expect(list.articles.map((a) => a.id)).toEqual(['6', '5', '4', '3', '2', '1']);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(first.headers['cache-control']).toBe('no-cache');

    const again = await app.inject({ url: '/api/news', headers: { 'if-none-match': String(etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);

    expect((await app.inject({ url: '/api/news/stats' })).json()).toEqual({ listOk: 1, listNotModified: 1 });
  });

  it('a published article changes the list and its ETag; the article and its picture are served', async () => {
    const before = await app.inject({ url: '/api/news' });
    clock += 60_000;
    const published = await app.inject({ method: 'POST', url: '/api/news/publish' });
    expect(published.statusCode).toBe(201);
    const { article } = published.json<{ article: { id: string; image: string } }>();
    expect(article.id).toBe('7');

    const after = await app.inject({ url: '/api/news', headers: { 'if-none-match': String(before.headers.etag) } });
    expect(after.statusCode).toBe(200);
    expect(after.json<NewsList>().articles[0]?.id).toBe('7');
    expect(after.headers.etag).not.toBe(before.headers.etag);

    const full = await app.inject({ url: '/api/news/articles/7' });
    expect(full.json()).toMatchObject({ id: '7', body: expect.stringContaining('Story 7') });
    const image = await app.inject({ url: article.image });
    expect(image.headers['content-type']).toBe('image/svg+xml');
    expect(image.body).toContain('#7');
  });

  it('404s an unknown article or picture and refuses a bad publish body', async () => {
    expect((await app.inject({ url: '/api/news/articles/99' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/news/images/99.svg' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/news/images/evil.png' })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'POST', url: '/api/news/publish', payload: { imageDelayMs: -5 } });
    expect(bad.statusCode).toBe(400);
  });

  it('delays the picture of an article published with imageDelayMs', async () => {
    await app.inject({ method: 'POST', url: '/api/news/publish', payload: { imageDelayMs: 200 } });
    const started = Date.now();
    expect((await app.inject({ url: '/api/news/images/7.svg' })).statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe('articles', () => {
  it('the list holds the newest LIST_SIZE articles without bodies', () => {
    const many = Array.from({ length: 30 }, (_, i) => makeArticle(i + 1, i * 1000));
    const list = newsList(many);
    expect(list.articles).toHaveLength(LIST_SIZE);
    expect(list.articles[0]?.id).toBe('30');
    expect(list.articles[0]).not.toHaveProperty('body');
  });

  it('If-None-Match: weak comparison, lists and * (RFC 9110)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const tag = etagOf(a);
        expect(ifNoneMatchHits(tag, tag)).toBe(true);
        expect(ifNoneMatchHits(`W/${tag}`, tag)).toBe(true);
        expect(ifNoneMatchHits(`"other", ${tag}`, tag)).toBe(true);
        expect(ifNoneMatchHits('*', tag)).toBe(true);
        expect(ifNoneMatchHits(etagOf(b), tag)).toBe(a === b);
      }),
    );
    expect(ifNoneMatchHits(undefined, '"x"')).toBe(false);
  });
});
