export type { AccountsOptions, ScryptParams, SessionUser } from './accounts/index.js';
export {
  accounts,
  accountsMigrations,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  requireUser,
  SESSION_COOKIE,
  verifyPassword,
} from './accounts/index.js';
export {
  decide as decideIdempotentRequest,
  IDEMPOTENCY_KEY_HEADER,
  type IdempotencyMode,
  type IdempotencyOptions,
  InvalidIdempotencyKeyError,
  idempotency,
  idempotencyMigrations,
  isStoredStatus,
  type KeyDecision,
  type KeyRecord,
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
  REPLAYED_HEADER,
} from './idempotency/index.js';
