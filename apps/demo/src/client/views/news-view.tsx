import type { PeriodicState } from '@outpost/pwa/client';
import { signal } from '@preact/signals';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Article, ArticleSummary } from '../../server/news/news-wire';
import { language, type Strings, strings } from '../i18n';
import {
  cachedArticle,
  newsArticles,
  newsBackground,
  newsLastRun,
  newsStatus,
  newsTags,
  refreshNow,
  switchBackground,
} from '../news/news';

const opened = signal<{ id: string; article: Article | null } | null>(null);
const refreshing = signal(false);

/** News: the articles the last refresh cached (readable offline), when that was, and the background switch. */
export function NewsView(): JSX.Element {
  const t = strings.value;
  const articles = newsArticles.value;
  return (
    <article data-testid="view-news" class="news">
      <h1>{t['section.news']}</h1>
      <RefreshLine />
      <BackgroundSettings />
      {articles === null ? (
        <p class="muted" data-testid="news-empty">
          {t['news.empty']}
        </p>
      ) : (
        <ul class="list" data-testid="news-list">
          {articles.map((summary) => (
            <NewsItem key={summary.id} summary={summary} />
          ))}
        </ul>
      )}
    </article>
  );
}

function NewsItem({ summary }: { summary: ArticleSummary }): JSX.Element {
  const t = strings.value;
  const current = opened.value;
  const isOpen = current?.id === summary.id;
  return (
    <li class="card news-item" data-testid="news-item" data-id={summary.id}>
      <img src={summary.image} alt="" width={160} height={90} data-testid="news-image" />
      <div>
        <h2>{summary.title}</h2>
        <p>{summary.summary}</p>
        <button
          type="button"
          data-testid="news-read"
          onClick={async () => {
            opened.value = isOpen ? null : { id: summary.id, article: await cachedArticle(summary.id) };
          }}
        >
          {isOpen ? t['news.close'] : t['news.read']}
        </button>
        {isOpen ? (
          current.article ? (
            <div class="news-body" data-testid="news-body">
              {current.article.body.split('\n\n').map((paragraph) => (
                <p key={paragraph}>{paragraph}</p>
              ))}
            </div>
          ) : (
            <p class="error" data-testid="news-body-missing">
              {t['news.notCached']}
            </p>
          )
        ) : null}
      </div>
    </li>
  );
}

/** "Updated N minutes ago" from the last successful refresh, ticking every 30 s. */
function RefreshLine(): JSX.Element {
  const t = strings.value;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const run = newsLastRun.value;
  const success = run?.lastSuccessAt ?? null;
  return (
    <p class="muted" data-testid="news-last-run" data-outcome={run?.outcome ?? 'never'} data-source={run?.source}>
      <span data-testid="news-updated">
        {success === null
          ? t['news.never']
          : now - success < 60_000
            ? t['news.updatedJustNow']
            : t['news.updated'].replace('{ago}', ago(success, now))}
      </span>
      {run && run.outcome !== 'ok' ? (
        <span class="error" data-testid="news-last-outcome">
          {' '}
          {t[`news.outcome.${run.outcome}`]}
        </span>
      ) : null}{' '}
      <button
        type="button"
        data-testid="news-refresh"
        disabled={refreshing.value}
        onClick={async () => {
          refreshing.value = true;
          try {
            await refreshNow();
          } finally {
            refreshing.value = false;
          }
        }}
      >
        {t['news.refreshNow']}
      </button>
    </p>
  );
}

function BackgroundSettings(): JSX.Element {
  const t = strings.value;
  const on = newsBackground.value;
  const state: PeriodicState | 'off' | 'pending' = on ? (newsStatus.value?.state ?? 'pending') : 'off';
  return (
    <section class="card" aria-label={t['news.settings']}>
      <label>
        <input
          type="checkbox"
          data-testid="news-background"
          checked={on}
          onChange={(event) => void switchBackground(event.currentTarget.checked)}
        />{' '}
        {t['news.background']}
      </label>
      <p
        class="muted"
        data-testid="news-state"
        data-state={state}
        data-permission={on ? newsStatus.value?.permission : undefined}
      >
        {t[stateKey(state)]}
      </p>
      <p class="muted">
        {t['news.tags']}: <span data-testid="news-tags">{newsTags.value.join(', ') || '—'}</span>
      </p>
    </section>
  );
}

function stateKey(state: PeriodicState | 'off' | 'pending'): keyof Strings {
  return `news.state.${state}`;
}

/** "5 minutes ago" in the current language (at least a minute). */
function ago(then: number, now: number): string {
  const minutes = Math.max(1, Math.floor((now - then) / 60_000));
  const format = new Intl.RelativeTimeFormat(language.value, { numeric: 'always' });
  return minutes < 60 ? format.format(-minutes, 'minute') : format.format(-Math.round(minutes / 60), 'hour');
}
