export { acquireClaim, type ClaimRequest, type ClaimResult } from './claim.js';
export { decide, isStoredStatus, type KeyDecision, type KeyRecord } from './decision.js';
export {
  IDEMPOTENCY_KEY_HEADER,
  InvalidIdempotencyKeyError,
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
  REPLAYED_HEADER,
} from './key-header.js';
export type { ClaimStore, KeyId } from './key-store.js';
export { idempotencyMigrations } from './migrations.js';
export {
  type IdempotencyMode,
  type IdempotencyOptions,
  type IdempotencyRouteOptions,
  idempotency,
  idempotentTransaction,
} from './plugin.js';
