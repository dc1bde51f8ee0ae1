/**
 * `@outpost/pwa/client`: the page side. Type-check page code against the DOM lib.
 * @packageDocumentation
 */

export type { CachingMessage, PrecacheFailureReport, PrecacheReport } from './caching/messages.js';
export type {
  Download,
  DownloadFailureReason,
  DownloadIcon,
  DownloadMode,
  DownloadState,
} from './downloads/download.js';
export {
  createDownloads,
  DownloadActionError,
  type DownloadActionErrorCode,
  type Downloads,
  type DownloadsOptions,
  type StartOptions,
  type StorageReport,
} from './downloads/downloads.client.js';
export type { DownloadsMessage } from './downloads/messages.js';
export {
  lastPrecacheReport,
  onCacheUpdated,
  onCachingMessage,
  onPrecacheFailed,
  onPrecacheInstalled,
} from './lifecycle/caching-events.client.js';
export type { LifecycleMessage } from './lifecycle/messages.js';
export {
  type RegisterOptions,
  register,
  type ServiceWorkerHandle,
  ServiceWorkerUnsupportedError,
} from './lifecycle/register.client.js';
export type { OutboxItem, OutboxState, StoredRequest } from './outbox/item.js';
export { createOutbox, type Outbox, type OutboxOptions, type OutboxRequest } from './outbox/outbox.client.js';
export { OutboxActionError } from './outbox/transitions.js';
