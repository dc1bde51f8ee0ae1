import { randomUUID } from 'node:crypto';
import type { Dialect, Store } from '@outpost/store';
import type { Kysely } from 'kysely';
import type { JobState, PushTables } from './tables.js';

/** A claimed job joined with its subscription, ready to send. */
export interface ClaimedJob {
  id: string;
  lease: string;
  subscriptionId: string;
  /** Undefined when the subscription was deleted after the job was queued. */
  subscription?: { endpoint: string; keys: { p256dh: string; auth: string } };
  payload: string;
  urgency: string | null;
  topic: string | null;
  /** Attempts made, the one about to be made included. */
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

/** What to enqueue for each subscription of the recipients. */
export interface JobInput {
  payload: string;
  ttlSeconds: number;
  urgency: string | null;
  topic: string | null;
}

// Rows per multi-row INSERT: 13 columns each stays far below SQLite's and Postgres' bound-parameter limits.
const INSERT_CHUNK = 500;
const SELECT_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The `push_jobs` table's queries: enqueue, claim with a lease, settle. One set for SQLite and Postgres. */
export class JobStore {
  readonly #db: Kysely<PushTables>;
  readonly #dialect: Dialect;

  constructor(store: Store) {
    this.#db = store.db as Kysely<PushTables>;
    this.#dialect = store.dialect;
  }

  /**
   * Queues one job per subscription of `accountIds`, through `db` (the app's transaction, so the jobs commit or
   * roll back with the app's own change). Returns how many jobs were queued.
   */
  async enqueue(db: Kysely<PushTables>, accountIds: readonly string[], job: JobInput, now: number): Promise<number> {
    const unique = [...new Set(accountIds)];
    let queued = 0;
    for (const accounts of chunks(unique, SELECT_CHUNK)) {
      const subscriptions = await db
        .selectFrom('push_subscriptions')
        .select('id')
        .where('account_id', 'in', accounts)
        .execute();
      for (const part of chunks(subscriptions, INSERT_CHUNK)) {
        await db
          .insertInto('push_jobs')
          .values(
            part.map((subscription) => ({
              id: randomUUID(),
              subscription_id: subscription.id,
              payload: job.payload,
              ttl_seconds: job.ttlSeconds,
              urgency: job.urgency,
              topic: job.topic,
              state: 'queued' as const,
              attempts: 0,
              lease: null,
              last_error: null,
              created_at: now,
              expires_at: now + job.ttlSeconds * 1000,
              run_at: now,
            })),
          )
          .execute();
        queued += part.length;
      }
    }
    return queued;
  }

  /**
   * Claims up to `limit` due jobs for `leaseMs`: their `run_at` moves to the lease's end, so a job whose worker
   * dies is due again then (at-least-once). On Postgres the due rows are locked `FOR UPDATE SKIP LOCKED`, so any
   * number of processes claim disjoint jobs; SQLite serialises writers, so its one UPDATE is atomic already.
   */
  async claim(limit: number, leaseMs: number, now: number): Promise<ClaimedJob[]> {
    const lease = randomUUID();
    const due = this.#db
      .selectFrom('push_jobs')
      .select('id')
      .where('state', '=', 'queued')
      .where('run_at', '<=', now)
      .orderBy('run_at')
      .limit(limit)
      .$if(this.#dialect === 'postgres', (q) => q.forUpdate().skipLocked());
    const rows = await this.#db
      .updateTable('push_jobs')
      .set((eb) => ({ run_at: now + leaseMs, lease, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', due)
      .where('state', '=', 'queued')
      .returningAll()
      .execute();
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((row) => row.subscription_id))];
    const subscriptions = new Map<string, ClaimedJob['subscription']>();
    for (const part of chunks(ids, SELECT_CHUNK)) {
      const found = await this.#db
        .selectFrom('push_subscriptions')
        .select(['id', 'endpoint', 'p256dh', 'auth'])
        .where('id', 'in', part)
        .execute();
      for (const s of found)
        subscriptions.set(s.id, { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } });
    }
    return rows.map((row) => ({
      id: row.id,
      lease,
      subscriptionId: row.subscription_id,
      subscription: subscriptions.get(row.subscription_id),
      payload: row.payload,
      urgency: row.urgency,
      topic: row.topic,
      attempts: row.attempts,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }));
  }

  /** Deletes finished jobs (sent, expired, or orphaned by a deleted subscription). */
  async remove(ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids, SELECT_CHUNK)) {
      await this.#db.deleteFrom('push_jobs').where('id', 'in', part).execute();
    }
  }

  /** Puts a job back for another attempt at `runAt`, if this lease still holds it. */
  async reschedule(job: ClaimedJob, runAt: number, reason: string): Promise<void> {
    await this.#db
      .updateTable('push_jobs')
      .set({ run_at: runAt, lease: null, last_error: reason })
      .where('id', '=', job.id)
      .where('lease', '=', job.lease)
      .execute();
  }

  /** Keeps a job out of the queue for good (`failed` or `dead`) with its reason, for inspection. */
  async settle(job: ClaimedJob, state: Exclude<JobState, 'queued'>, reason: string): Promise<void> {
    await this.#db
      .updateTable('push_jobs')
      .set({ state, lease: null, last_error: reason })
      .where('id', '=', job.id)
      .execute();
  }

  /** Queued jobs and the creation time of the oldest, for the queue-depth and age metrics. */
  async depth(): Promise<{ queued: number; oldestCreatedAt: number | null }> {
    const row = await this.#db
      .selectFrom('push_jobs')
      .select((eb) => [eb.fn.countAll<number>().as('queued'), eb.fn.min('created_at').as('oldest')])
      .where('state', '=', 'queued')
      .executeTakeFirst();
    const oldest = row?.oldest;
    return {
      queued: Number(row?.queued ?? 0),
      oldestCreatedAt: oldest === null || oldest === undefined ? null : Number(oldest),
    };
  }

  /** Jobs kept as `failed` or `dead`, newest first: the dead-letter list. */
  async settled(limit = 100): Promise<{ id: string; state: JobState; lastError: string | null; attempts: number }[]> {
    const rows = await this.#db
      .selectFrom('push_jobs')
      .select(['id', 'state', 'last_error', 'attempts'])
      .where('state', '<>', 'queued')
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, state: row.state, lastError: row.last_error, attempts: row.attempts }));
  }
}
