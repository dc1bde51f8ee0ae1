// Periodic refresh alone: a periodicsync handler with a budget and a cache limit, run by the event or by a
// page's fallback message.
import { handlePeriodic } from '@outpost/pwa/sw';

handlePeriodic({
  handlers: {
    'update-news': {
      run: async ({ stage, signal }) => {
        await stage.put('news', '/api/news', await fetch('/api/news', { signal }));
        return undefined;
      },
      budgetMs: 30_000,
      caches: { news: { maxEntries: 40 } },
    },
  },
});
