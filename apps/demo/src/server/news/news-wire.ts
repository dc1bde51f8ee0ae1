// What the News API sends, shared by the server, the page and the service worker (type-only imports).

/** One article as the list shows it. */
export interface ArticleSummary {
  id: string;
  title: string;
  summary: string;
  /** Epoch milliseconds. */
  publishedAt: number;
  /** Same-origin path of its picture. */
  image: string;
}

/** One article, whole. */
export interface Article extends ArticleSummary {
  body: string;
}

/** `GET /api/news`: the newest articles first. */
export interface NewsList {
  articles: ArticleSummary[];
}
