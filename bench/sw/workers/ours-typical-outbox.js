// The typical worker with ours plus the outbox, wired as an app wires it (apps/demo/src/sw.ts): pages queue
// their writes; the worker replays the queue on Background Sync, page messages, worker start and fetches.
import './ours-typical.js';
import { handleOutbox } from '@outpost/pwa/sw';

handleOutbox({ queues: ['mail'] });
