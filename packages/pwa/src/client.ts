/**
 * `@outpost/pwa/client`: the page side, exactly what docs/pwa.md and docs/caching.md describe. Type-check page
 * code against the DOM lib.
 * @packageDocumentation
 */

export {
  lastPrecacheReport,
  onCacheUpdated,
  onCachingMessage,
  onPrecacheFailed,
  onPrecacheInstalled,
} from './caching/caching-events.client.js';
export type { CachingMessage, PrecacheFailureReport, PrecacheReport } from './caching/messages.js';
export {
  type RegisterOptions,
  register,
  type ServiceWorkerHandle,
  ServiceWorkerUnsupportedError,
} from './lifecycle/register.client.js';
export type { OutboxItem, OutboxState, StoredRequest } from './outbox/item.js';
export { createOutbox, type Outbox, type OutboxOptions, type OutboxRequest } from './outbox/outbox.client.js';
export { OutboxActionError } from './outbox/transitions.js';
