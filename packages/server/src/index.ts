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
