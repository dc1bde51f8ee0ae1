export { decide, isStoredStatus, type KeyDecision, type KeyRecord } from './decision.js';
export {
  IDEMPOTENCY_KEY_HEADER,
  InvalidIdempotencyKeyError,
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
  REPLAYED_HEADER,
} from './key-header.js';
export { idempotencyMigrations } from './migrations.js';
export { type IdempotencyMode, type IdempotencyOptions, idempotency } from './plugin.js';
