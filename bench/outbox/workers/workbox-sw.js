// Workbox 7's background-sync Queue: requests are pushed in the worker (Workbox has no page-side queue) and
// replayed in order on the queue's sync event.
import { Queue } from 'workbox-background-sync';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
const queue = new Queue('bench', { maxRetentionTime: 24 * 60 });

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'enqueue') return;
  event.waitUntil(
    (async () => {
      const latencies = [];
      for (let n = 1; n <= event.data.count; n++) {
        const start = performance.now();
        const request = new Request('/api/effects', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"n":${n}}`,
        });
        await queue.pushRequest({ request });
        latencies.push(performance.now() - start);
      }
      event.source.postMessage({ type: 'enqueued', latencies });
    })(),
  );
});
