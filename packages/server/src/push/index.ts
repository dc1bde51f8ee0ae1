export {
  DECLARATIVE_PUSH_MAGIC,
  type DeclarativePush,
  type DeclarativePushAction,
  type DeclarativePushNotification,
  encodeDeclarativePush,
  InvalidPushMessageError,
  MAX_DECLARATIVE_PUSH_BYTES,
  validateDeclarativePush,
} from './declarative.js';
export {
  DEFAULT_PUSH_SERVICE_ORIGINS,
  endpointRefusal,
  InvalidAllowlistError,
  MAX_ENDPOINT_LENGTH,
  parseAllowlist,
} from './endpoint-allowlist.js';
export { pushMigrations } from './migrations.js';
export { backoffDelay, type JobOutcome, jobOutcome, type QueueRetryPolicy } from './outcome.js';
export { type NotifyOptions, type PushApi, type PushOptions, type PushVapidOptions, push } from './plugin.js';
export type { StoredSubscription } from './subscription-store.js';
