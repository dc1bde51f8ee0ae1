import {
  CacheFirst,
  type DownloadsWorker,
  defaultRouter,
  handleDownloads,
  handleLifecycle,
  handleOutbox,
  handlePeriodic,
  handlePush,
  type PushWorker,
  precacheAndRoute,
} from '@outpost/pwa/sw';
import { NEWS_ARTICLES_CACHE, NEWS_CACHE_MAX_ENTRIES, NEWS_IMAGES_CACHE, NEWS_TAG } from './news/news.js';
import { refreshNews } from './news/refresh.js';
import { MARK_READ_ACTION, readPath } from './server/chat/chat-wire';

declare const self: ServiceWorkerGlobalScope;

declare global {
  /** The worker's capabilities, reachable from devtools and the browser tests. */
  interface ServiceWorkerGlobalScope {
    outpostDownloads?: DownloadsWorker;
    outpostChatPush?: PushWorker;
  }
}

// Claim the page on first install (so it works offline without a reload) and let it activate updates.
handleLifecycle();

// Music downloads, first of the fetch listeners so they win: a downloaded track is answered from the downloads
// store whatever the network (206 for a Range, so <audio> seeks offline), Background Fetch events store what the
// browser fetched, and a click on the browser's download UI focuses or opens /music.
const downloads = handleDownloads({ downloadsPage: '/music' });
// Reachable from devtools and the browser tests (a synthetic backgroundfetchclick cannot waitUntil).
self.outpostDownloads = downloads;

// The built shell, precached at install, on the worker's one router. Navigations (except /api/) try the network
// for 3 s, then get the precached shell, which routes on the client.
precacheAndRoute(self.__OUTPOST_PRECACHE_MANIFEST, {
  navigateFallback: 'index.html',
  navigateFallbackDenylist: [/^\/api\//],
  networkTimeoutSeconds: 3,
});

// Mail's and Chat's outboxes: replayed on Background Sync, on messages from pages, on worker start and on fetches.
const outbox = handleOutbox({ queues: ['mail', 'chat'] });

// Chat notifications: one per conversation ("3 new messages from alice"), the server's unread count as the badge,
// "Mark as read" sent through the chat outbox (exactly once, also offline), and a replaced subscription too.
const chatPush = handlePush({
  defaultTitle: 'Outpost',
  outbox: { queue: 'chat', replayer: outbox },
  summarize: (count, latest) => ({ title: `${count} new messages from ${latest.title}`, body: latest.body }),
  // A conversation is its `with` parameter: /chat?with=alice shows the same view whatever else is in the URL.
  sameView: (windowUrl, target) => {
    const a = new URL(windowUrl);
    const b = new URL(target);
    return (
      a.origin === b.origin && a.pathname === b.pathname && a.searchParams.get('with') === b.searchParams.get('with')
    );
  },
  actions: {
    [MARK_READ_ACTION]: ({ data, count }) => {
      const from = (data as { from?: unknown } | null)?.from;
      return typeof from === 'string'
        ? { send: { url: readPath(from), body: {}, label: { markRead: from } }, lowerBadge: count }
        : {};
    },
  },
});

// The worker's push logic, reachable from devtools and the browser tests (a synthetic notificationclick cannot
// waitUntil, so they call it directly).
self.outpostChatPush = chatPush;

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
defaultRouter().get('/api/news/images/*', new CacheFirst({ cacheName: NEWS_IMAGES_CACHE }));
