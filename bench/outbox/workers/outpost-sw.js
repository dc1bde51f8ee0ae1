// Outpost's worker: the outbox replay of queue "bench" (Background Sync, messages, worker start).
import { handleOutbox } from '@outpost/pwa/sw';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
handleOutbox({ queues: ['bench'], fetchReplayIntervalMs: 0 });
