import type { Migration } from '@outpost/store';

/**
 * Tables of the accounts plugin, namespace `accounts`. Usernames are kept as typed (`username`) and matched through
 * `username_key` (lower case) so that `Alice` and `alice` are one account. Sessions store only a hash of the token.
 */
export const accountsMigrations: Migration[] = [
  {
    name: '001-users-and-sessions',
    async up(db) {
      await db.schema
        .createTable('accounts_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('accounts_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('accounts_sessions_expires_at')
        .on('accounts_sessions')
        .column('expires_at')
        .execute();
      await db.schema.createIndex('accounts_sessions_user_id').on('accounts_sessions').column('user_id').execute();
    },
  },
];
