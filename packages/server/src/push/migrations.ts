import type { Migration } from '@outpost/store';
import { sql } from 'kysely';

/**
 * Tables of the push plugin, namespace `push`:
 * - `push_vapid`: the app server's VAPID key pair, made once (a new key would orphan every subscription);
 * - `push_subscriptions`: one row per endpoint; `id` stays when a `pushsubscriptionchange` replaces the endpoint,
 *   so queued jobs follow the subscription to its new endpoint;
 * - `push_jobs`: the durable queue, one row per (message, subscription). `state` is `queued` (due at `run_at`;
 *   a claimed job's `run_at` is pushed out by the lease, so a job whose worker died comes back by itself),
 *   `failed` (refused for good, `last_error` says why) or `dead` (retries used up). Sent jobs are deleted.
 */
export const pushMigrations: Migration[] = [
  {
    name: '001-push',
    async up(db) {
      await db.schema
        .createTable('push_vapid')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('push_subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('p256dh', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull())
        .addColumn('expiration_time', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('push_subscriptions_account_id')
        .on('push_subscriptions')
        .column('account_id')
        .execute();
      await db.schema
        .createTable('push_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('ttl_seconds', 'integer', (c) => c.notNull())
        .addColumn('urgency', 'text')
        .addColumn('topic', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('lease', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('push_jobs_state_run_at').on('push_jobs').columns(['state', 'run_at']).execute();
      await db.schema.createIndex('push_jobs_subscription_id').on('push_jobs').column('subscription_id').execute();
    },
  },
  {
    // Each job carries a copy of its subscription's endpoint and keys, so a claim is one statement (SQLite's
    // UPDATE … RETURNING cannot join) and an enqueue one INSERT … SELECT. Replacing a subscription's endpoint
    // rewrites the copies of its queued jobs in the same transaction.
    name: '002-job-subscription-copy',
    async up(db) {
      for (const column of ['endpoint', 'p256dh', 'auth']) {
        await db.schema.alterTable('push_jobs').addColumn(column, 'text').execute();
      }
      await sql`update push_jobs set
        endpoint = (select s.endpoint from push_subscriptions s where s.id = push_jobs.subscription_id),
        p256dh = (select s.p256dh from push_subscriptions s where s.id = push_jobs.subscription_id),
        auth = (select s.auth from push_subscriptions s where s.id = push_jobs.subscription_id)`.execute(db);
    },
  },
];
