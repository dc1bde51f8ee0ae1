import type { FastifyPluginAsync } from 'fastify';
import { articleImage, etagOf, ifNoneMatchHits, makeArticle, newsList } from './articles.js';
import type { Article as ArticleType } from './news-wire.js';

/** Options of {@link newsRoutes}. */
export interface NewsRoutesOptions {
  /** Publish a new article this often, in ms; 0 never. Default 5 minutes. */
  publishEveryMs?: number;
  /** How many articles exist at start. Default 6. */
  seed?: number;
  now?: () => number;
}

/** The longest delay `POST /api/news/publish` accepts for the new article's picture. */
const MAX_IMAGE_DELAY_MS = 120_000;

/**
 * The News API of the demo (no account needed; articles live in memory, reseeded at every start):
 * - `GET /api/news` -> `{ articles }`, the newest 20, with a strong `ETag`; `If-None-Match` -> 304, no body;
 * - `GET /api/news/articles/:id` -> the article; `GET /api/news/images/:id.svg` -> its picture;
 * - `POST /api/news/publish` `{ imageDelayMs? }` -> 201 `{ article }`: publishes one now. `imageDelayMs` makes
 *   its picture answer that late (at most 120 s), to show a refresh stopped by its time budget;
 * - `GET /api/news/stats` -> how many list requests were answered 200 and 304 since start (for tests and benches).
 */
export const newsRoutes: FastifyPluginAsync<NewsRoutesOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  const articles = new Map<string, ArticleType>();
  const imageDelays = new Map<string, number>();
  const stats = { listOk: 0, listNotModified: 0 };
  let published = 0;
  const publish = (): ArticleType => {
    published++;
    const article = makeArticle(published, now());
    articles.set(article.id, article);
    return article;
  };
  const start = now();
  const seed = options.seed ?? 6;
  for (let i = 1; i <= seed; i++) {
    published++;
    // The seed set reads as published over the last hours, oldest first.
    articles.set(String(i), makeArticle(i, start - (seed - i + 1) * 3_600_000));
  }
  const every = options.publishEveryMs ?? 5 * 60_000;
  if (every > 0) {
    const timer = setInterval(publish, every);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  app.get('/api/news', async (request, reply) => {
    const body = JSON.stringify(newsList([...articles.values()]));
    const etag = etagOf(body);
    // no-cache: the browser may keep it but must ask again; the ask costs a 304 when nothing changed.
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
      stats.listNotModified++;
      return reply.code(304).send();
    }
    stats.listOk++;
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.get<{ Params: { id: string } }>('/api/news/articles/:id', async (request, reply) => {
    const article = articles.get(request.params.id);
    if (!article) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such article' });
    return reply.header('cache-control', 'no-cache').send(article);
  });

  app.get<{ Params: { file: string } }>('/api/news/images/:file', async (request, reply) => {
    const id = /^(\d+)\.svg$/.exec(request.params.file)?.[1];
    const article = id === undefined ? undefined : articles.get(id);
    if (!article) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such image' });
    const delay = imageDelays.get(article.id) ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return reply.type('image/svg+xml').header('cache-control', 'no-cache').send(articleImage(article));
  });

  app.post<{ Body: { imageDelayMs?: number } | undefined }>(
    '/api/news/publish',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { imageDelayMs: { type: 'integer', minimum: 0, maximum: MAX_IMAGE_DELAY_MS } },
        },
      },
    },
    async (request, reply) => {
      const article = publish();
      const delay = request.body?.imageDelayMs ?? 0;
      if (delay > 0) imageDelays.set(article.id, delay);
      return reply.code(201).send({ article });
    },
  );

  app.get('/api/news/stats', async (_request, reply) => reply.header('cache-control', 'no-store').send(stats));
};
