import { randomUUID } from 'node:crypto';
import type { Store } from '@outpost/store';
import type { Kysely } from 'kysely';

interface AccountsTables {
  accounts_users: { id: string; username: string; username_key: string; password_hash: string; created_at: number };
  accounts_sessions: { token_hash: string; user_id: string; created_at: number; expires_at: number };
}

/** A signed-in user as the API exposes it. */
export interface SessionUser {
  id: string;
  username: string;
}

/** A user row with the stored password hash, for sign-in. */
export interface UserCredentials extends SessionUser {
  passwordHash: string;
}

/** A session found by its key, with its user and expiry. */
export interface FoundSession {
  user: SessionUser;
  expiresAt: number;
}

/** The key that makes usernames unique regardless of case. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** The accounts tables' queries; one instance per plugin registration. */
export class AccountStore {
  readonly #db: Kysely<AccountsTables>;

  constructor(store: Store) {
    this.#db = store.db as Kysely<AccountsTables>;
  }

  /** Creates a user; null when the name is taken (also when another request took it a moment ago). */
  async createUser(username: string, passwordHash: string, now: number): Promise<SessionUser | null> {
    const user = { id: randomUUID(), username };
    const result = await this.#db
      .insertInto('accounts_users')
      .values({ ...user, username_key: usernameKey(username), password_hash: passwordHash, created_at: now })
      .onConflict((oc) => oc.column('username_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? user : null;
  }

  async usernameTaken(username: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('accounts_users')
      .select('id')
      .where('username_key', '=', usernameKey(username))
      .executeTakeFirst();
    return row !== undefined;
  }

  async findCredentials(username: string): Promise<UserCredentials | null> {
    const row = await this.#db
      .selectFrom('accounts_users')
      .select(['id', 'username', 'password_hash'])
      .where('username_key', '=', usernameKey(username))
      .executeTakeFirst();
    return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : null;
  }

  async updatePasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.#db
      .updateTable('accounts_users')
      .set({ password_hash: passwordHash })
      .where('id', '=', userId)
      .execute();
  }

  async createSession(tokenHash: string, userId: string, now: number, expiresAt: number): Promise<void> {
    await this.#db
      .insertInto('accounts_sessions')
      .values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt })
      .execute();
  }

  /** The unexpired session with this key, or null. */
  async findSession(tokenHash: string, now: number): Promise<FoundSession | null> {
    const row = await this.#db
      .selectFrom('accounts_sessions')
      .innerJoin('accounts_users', 'accounts_users.id', 'accounts_sessions.user_id')
      .select(['accounts_users.id', 'accounts_users.username', 'accounts_sessions.expires_at'])
      .where('accounts_sessions.token_hash', '=', tokenHash)
      .where('accounts_sessions.expires_at', '>', now)
      .executeTakeFirst();
    return row ? { user: { id: row.id, username: row.username }, expiresAt: row.expires_at } : null;
  }

  async extendSession(tokenHash: string, expiresAt: number): Promise<void> {
    await this.#db
      .updateTable('accounts_sessions')
      .set({ expires_at: expiresAt })
      .where('token_hash', '=', tokenHash)
      .execute();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.#db.deleteFrom('accounts_sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Deletes every expired session; returns how many. */
  async sweepExpiredSessions(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('accounts_sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
