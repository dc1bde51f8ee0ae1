export {
  ACCOUNT_HEADER,
  ACCOUNT_MISMATCH_CODE,
  type AccountBindingRefusal,
  accountBindingRefusal,
} from './account-binding.js';
export type { SessionUser } from './account-store.js';
export { type AttemptLimit, AttemptLimiter } from './attempt-limiter.js';
export { accountsMigrations } from './migrations.js';
export type { ScryptParams } from './password-hash.js';
export { DEFAULT_SCRYPT_PARAMS, hashPassword, needsRehash, verifyPassword } from './password-hash.js';
export { type AccountsOptions, accounts } from './plugin.js';
export { requireUser } from './require-user.js';
export { SECURE_SESSION_COOKIE, SESSION_COOKIE, sessionCookieName } from './session-token.js';
