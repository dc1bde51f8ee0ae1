export type { SessionUser } from './account-store.js';
export { accountsMigrations } from './migrations.js';
export type { ScryptParams } from './password-hash.js';
export { DEFAULT_SCRYPT_PARAMS, hashPassword, needsRehash, verifyPassword } from './password-hash.js';
export { type AccountsOptions, accounts } from './plugin.js';
export { requireUser } from './require-user.js';
export { SESSION_COOKIE } from './session-token.js';
