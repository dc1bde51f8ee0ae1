import {
  CacheFirst,
  handleLifecycle,
  handleOutbox,
  handlePeriodic,
  listen,
  precacheAndRoute,
  Router,
} from '@outpost/pwa/sw';
import { NEWS_ARTICLES_CACHE, NEWS_CACHE_MAX_ENTRIES, NEWS_IMAGES_CACHE, NEWS_TAG } from './news/news.js';
import { refreshNews } from './news/refresh.js';

declare const self: ServiceWorkerGlobalScope;

// Claim the page on first install (so it works offline without a reload) and let it activate updates.
handleLifecycle();

// The built shell, precached at install; navigations try the network for 3 s, then get the cached shell.
precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST, { networkTimeoutMs: 3000 });

// Mail's outbox: replayed on Background Sync, on messages from pages, on worker start and on fetches.
handleOutbox({ queues: ['mail'] });

// News: one refresh for Periodic Background Sync and for the pages' fallback, 10 s at most (a refresh is a few
// KB), committed whole or not at all; articles and pictures capped, the oldest go first.
handlePeriodic({
  handlers: {
    [NEWS_TAG]: {
      run: refreshNews({ fetch: (input, init) => fetch(input, init), caches, origin: self.location.origin }),
      budgetMs: 10_000,
      caches: {
        [NEWS_ARTICLES_CACHE]: { maxEntries: NEWS_CACHE_MAX_ENTRIES },
        [NEWS_IMAGES_CACHE]: { maxEntries: NEWS_CACHE_MAX_ENTRIES },
      },
    },
  },
});
// Article pictures come from what the refresh cached (offline too); one not cached yet is fetched.
const newsImages = new Router();
newsImages.get('/api/news/images/*', new CacheFirst({ cacheName: NEWS_IMAGES_CACHE }));
listen(newsImages, { navigationPreload: false });
