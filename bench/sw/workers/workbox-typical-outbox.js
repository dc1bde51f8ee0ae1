// The typical worker with Workbox 7 plus its outbox equivalent: a POST route whose failed requests
// BackgroundSyncPlugin queues in the worker and replays on the queue's sync event (or on worker start where
// there is no Background Sync).
import './workbox-typical.js';
import { BackgroundSyncPlugin } from 'workbox-background-sync';
import { registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';

registerRoute(
  /\/api\/mail\//,
  new NetworkOnly({ plugins: [new BackgroundSyncPlugin('mail', { maxRetentionTime: 24 * 60 })] }),
  'POST',
);
