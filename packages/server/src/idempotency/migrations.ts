import { blobColumnType, type Migration } from '@outpost/store';

/**
 * Tables of the idempotency plugin, namespace `idempotency`. One row per (scope, key): `state` is `running` while
 * the first request executes and `done` once its response is stored. `token` names the request that holds the
 * claim: only it may complete or release the record.
 */
export const idempotencyMigrations: Migration[] = [
  {
    name: '001-idempotency-keys',
    async up(db, dialect) {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('headers', 'text')
        .addColumn('body', blobColumnType(dialect))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_expires_at').on('idempotency_keys').column('expires_at').execute();
    },
  },
  {
    // Rows from before have no token: nobody holds them any more, they can only be replayed or taken over.
    name: '002-claim-token',
    async up(db) {
      await db.schema.alterTable('idempotency_keys').addColumn('token', 'text').execute();
    },
  },
];
