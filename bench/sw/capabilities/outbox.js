// Outbox alone: the worker's replay of queued writes.
import { handleOutbox } from '@outpost/pwa/sw';

handleOutbox({ queues: ['mail'] });
