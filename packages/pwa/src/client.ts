/**
 * `@outpost/pwa/client`: the page side, exactly what docs/pwa.md and docs/caching.md describe. Type-check page
 * code against the DOM lib.
 * @packageDocumentation
 */

export { type Badge, type BadgeOptions, createBadge } from './badge/badge.client.js';
export {
  lastPrecacheReport,
  onCacheUpdated,
  onCachingMessage,
  onPrecacheFailed,
  onPrecacheInstalled,
} from './caching/caching-events.client.js';
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
  type RegisterOptions,
  register,
  type ServiceWorkerHandle,
  ServiceWorkerUnsupportedError,
} from './lifecycle/register.client.js';
export type { OutboxItem, OutboxState, StoredRequest } from './outbox/item.js';
export { createOutbox, type Outbox, type OutboxOptions, type OutboxRequest } from './outbox/outbox.client.js';
export { OutboxActionError } from './outbox/transitions.js';
export {
  createPeriodic,
  type Periodic,
  type PeriodicChange,
  type PeriodicOptions,
  type PeriodicRegisterOptions,
  type PeriodicState,
  type PeriodicStatus,
} from './periodic/periodic.client.js';
export type { PeriodicOutcome, PeriodicRunRecord, PeriodicSource, PeriodicSummary } from './periodic/record.js';
export type { DeclarativeMessage, DeclarativeNotification } from './push/declarative.js';
export { createPush, type Push, PushError, type PushOptions, type PushState } from './push/push.client.js';
