import { randomUUID } from 'node:crypto';
import type { Dialect, Store } from '@outpost/store';
import { type Kysely, sql } from 'kysely';
import type { JobState, PushTables } from './tables.js';

/** A claimed job joined with its subscription, ready to send. */
export interface ClaimedJob {
  id: string;
  lease: string;
  subscriptionId: string;
  /** Undefined only for a job queued before migration 002 whose subscription was deleted since. */
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

const SELECT_CHUNK = 500;

/** The per-notification columns of {@link JobStore.enqueueMany}, one entry per notification. */
interface ManyColumns {
  payload: string[];
  ttl: number[];
  urgency: (string | null)[];
  topic: (string | null)[];
  createdAt: number[];
  expiresAt: number[];
}

/** The recipients of {@link JobStore.enqueueMany}: one (account, notification) pair per entry. */
interface ManyPairs {
  account: string[];
  notification: string[];
}

/** One {@link JobStore.enqueueMany} statement's input, in either dialect's form. */
interface ManyInsert {
  ids: readonly string[];
  columns: ManyColumns;
  pairs: ManyPairs;
  /** The lease token of the jobs written already claimed. */
  token: string;
  /** How many of the jobs to write claimed, and for how long. */
  lease: { count: number; leaseMs: number };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function claimedJob(row: PushTables['push_jobs'], lease: string): ClaimedJob {
  return {
    id: row.id,
    lease,
    subscriptionId: row.subscription_id,
    ...(row.endpoint !== null && row.p256dh !== null && row.auth !== null
      ? { subscription: { endpoint: row.endpoint, keys: { p256dh: row.p256dh, auth: row.auth } } }
      : {}),
    payload: row.payload,
    urgency: row.urgency,
    topic: row.topic,
    attempts: row.attempts,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
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
   * roll back with the app's own change): one INSERT … SELECT per chunk of accounts. Returns how many jobs were
   * queued.
   */
  async enqueue(db: Kysely<PushTables>, accountIds: readonly string[], job: JobInput, now: number): Promise<number> {
    const unique = [...new Set(accountIds)];
    // A job's id is the notification's id and the subscription's, so one statement makes them without a round trip.
    const notification = randomUUID();
    let queued = 0;
    for (const accounts of chunks(unique, SELECT_CHUNK)) {
      // Parameters in a SELECT list have no type on Postgres: each is cast to its column's type.
      const text = (value: string | null) => sql<string>`cast(${value} as text)`;
      const bigint = (value: number) => sql<number>`cast(${value} as bigint)`;
      const result = await db
        .insertInto('push_jobs')
        .columns([
          'id',
          'subscription_id',
          'endpoint',
          'p256dh',
          'auth',
          'payload',
          'ttl_seconds',
          'urgency',
          'topic',
          'state',
          'attempts',
          'created_at',
          'expires_at',
          'run_at',
        ])
        .expression(
          db
            .selectFrom('push_subscriptions')
            .select((eb) => [
              sql<string>`${text(`${notification}:`)} || ${eb.ref('id')}`.as('id'),
              'id as subscription_id',
              'endpoint',
              'p256dh',
              'auth',
              text(job.payload).as('payload'),
              sql<number>`cast(${job.ttlSeconds} as integer)`.as('ttl_seconds'),
              text(job.urgency).as('urgency'),
              text(job.topic).as('topic'),
              text('queued').as('state'),
              sql<number>`cast(0 as integer)`.as('attempts'),
              bigint(now).as('created_at'),
              bigint(now + job.ttlSeconds * 1000).as('expires_at'),
              bigint(now).as('run_at'),
            ])
            .where('account_id', 'in', accounts)
            // Postgres: a concurrent pushsubscriptionchange or DELETE waits for this transaction (and then rewrites
            // or deletes these jobs too), and this statement waits for theirs, so no job keeps a stale copy.
            .$if(this.#dialect === 'postgres', (q) => q.forShare()),
        )
        .executeTakeFirst();
      queued += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return queued;
  }

  /**
   * Queues the jobs of several `notify` calls in one INSERT … SELECT (one statement and one commit for all of them),
   * the notifications and their recipients passed as arrays (Postgres) or JSON (SQLite). The first `lease.count`
   * jobs are written already claimed for `lease.leaseMs` (as {@link claim} would leave them) and returned, so this process's worker
   * can send them without a claim statement. Returns how many jobs each input queued, in order, and the claimed
   * jobs. The statement is atomic: either every input's jobs are queued or none is.
   */
  async enqueueMany(
    inputs: readonly { accountIds: readonly string[]; job: JobInput; now: number }[],
    lease: { count: number; leaseMs: number } = { count: 0, leaseMs: 0 },
  ): Promise<{ counts: number[]; claimed: ClaimedJob[] }> {
    const ids: string[] = [];
    const pairs: ManyPairs = { account: [], notification: [] };
    const columns: ManyColumns = { payload: [], ttl: [], urgency: [], topic: [], createdAt: [], expiresAt: [] };
    for (const { accountIds, job, now } of inputs) {
      const notification = randomUUID();
      ids.push(notification);
      columns.payload.push(job.payload);
      columns.ttl.push(job.ttlSeconds);
      columns.urgency.push(job.urgency);
      columns.topic.push(job.topic);
      columns.createdAt.push(now);
      columns.expiresAt.push(now + job.ttlSeconds * 1000);
      for (const account of new Set(accountIds)) {
        pairs.account.push(account);
        pairs.notification.push(notification);
      }
    }
    const token = randomUUID();
    const rows =
      this.#dialect === 'postgres'
        ? await this.#insertManyPostgres({ ids, columns, pairs, token, lease })
        : await this.#insertManySqlite({ ids, columns, pairs, token, lease });
    const counts = new Map<string, number>();
    const claimed: ClaimedJob[] = [];
    for (const row of rows) {
      const notification = row.id.slice(0, row.id.indexOf(':'));
      counts.set(notification, (counts.get(notification) ?? 0) + 1);
      if (row.lease === token) claimed.push(claimedJob(row, token));
    }
    return { counts: ids.map((id) => counts.get(id) ?? 0), claimed };
  }

  async #insertManyPostgres({ ids, columns, pairs, token, lease }: ManyInsert): Promise<PushTables['push_jobs'][]> {
    // Same rows as enqueue(): the job id is `<notification>:<subscription id>`, and FOR SHARE holds the
    // subscription rows against a concurrent pushsubscriptionchange or DELETE until this statement commits (in a
    // CTE of its own: Postgres allows no row lock in a SELECT with a window function).
    const result = await sql<PushTables['push_jobs']>`
      with n as (
        select * from unnest(
          ${ids}::text[], ${columns.payload}::text[], ${columns.ttl}::integer[], ${columns.urgency}::text[],
          ${columns.topic}::text[], ${columns.createdAt}::bigint[], ${columns.expiresAt}::bigint[]
        ) as n(id, payload, ttl_seconds, urgency, topic, created_at, expires_at)
      ), a as (
        select * from unnest(${pairs.account}::text[], ${pairs.notification}::text[]) as a(account_id, notification)
      ), jobs as (
        select n.id || ':' || s.id as id, s.id as subscription_id, s.endpoint, s.p256dh, s.auth, n.payload,
          n.ttl_seconds, n.urgency, n.topic, n.created_at, n.expires_at
        from a join n on n.id = a.notification join push_subscriptions s on s.account_id = a.account_id
        for share of s
      ), numbered as (
        select jobs.*, row_number() over () <= ${lease.count}::integer as claimed from jobs
      )
      insert into push_jobs (id, subscription_id, endpoint, p256dh, auth, payload, ttl_seconds, urgency, topic, state,
        attempts, lease, created_at, expires_at, run_at)
      select id, subscription_id, endpoint, p256dh, auth, payload, ttl_seconds, urgency, topic, 'queued',
        case when claimed then 1 else 0 end,
        case when claimed then ${token}::text end,
        created_at, expires_at,
        case when claimed then created_at + ${lease.leaseMs}::bigint else created_at end
      from numbered
      returning *`.execute(this.#db);
    return result.rows;
  }

  async #insertManySqlite({ ids, columns, pairs, token, lease }: ManyInsert): Promise<PushTables['push_jobs'][]> {
    // The same statement as on Postgres, the arrays passed as JSON (SQLite has no array parameters). SQLite runs one
    // writer at a time, so no row lock is needed: a concurrent subscription change runs wholly before or after it.
    // One row per notification and one per (account, notification), so each value of a row is read by position.
    const notifications = JSON.stringify(
      ids.map((id, i) => [
        id,
        columns.payload[i],
        columns.ttl[i],
        columns.urgency[i],
        columns.topic[i],
        columns.createdAt[i],
        columns.expiresAt[i],
      ]),
    );
    const recipients = JSON.stringify(pairs.account.map((account, i) => [account, pairs.notification[i]]));
    // `n` is materialized so that SQLite indexes it for the join; left as a subquery, it was scanned (and its JSON
    // read again) for every recipient.
    const result = await sql<PushTables['push_jobs']>`
      with n as materialized (
        select value ->> 0 as id, value ->> 1 as payload, value ->> 2 as ttl_seconds, value ->> 3 as urgency,
          value ->> 4 as topic, value ->> 5 as created_at, value ->> 6 as expires_at
        from json_each(${notifications})
      ), a as (
        select value ->> 0 as account_id, value ->> 1 as notification from json_each(${recipients})
      ), numbered as (
        select n.id || ':' || s.id as id, s.id as subscription_id, s.endpoint, s.p256dh, s.auth, n.payload,
          n.ttl_seconds, n.urgency, n.topic, n.created_at, n.expires_at,
          row_number() over () <= ${lease.count} as claimed
        from a join n on n.id = a.notification join push_subscriptions s on s.account_id = a.account_id
      )
      insert into push_jobs (id, subscription_id, endpoint, p256dh, auth, payload, ttl_seconds, urgency, topic, state,
        attempts, lease, created_at, expires_at, run_at)
      select id, subscription_id, endpoint, p256dh, auth, payload, ttl_seconds, urgency, topic, 'queued',
        case when claimed then 1 else 0 end,
        case when claimed then ${token} end,
        created_at, expires_at,
        case when claimed then created_at + ${lease.leaseMs} else created_at end
      from numbered
      returning *`.execute(this.#db);
    return result.rows;
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
      // Both forms look the claimed ids up by primary key. Postgres planned `id in (…)` as a hash join over a scan
      // of the whole table; `= any(array(…))` runs the locking subquery once, first. SQLite runs the statement under
      // its write lock, so the subquery's rows are still queued: an outer `state = 'queued'` would only make its
      // planner walk every queued job by the (state, run_at) index instead (the whole queue per claim).
      .$if(this.#dialect === 'postgres', (q) =>
        q.where('id', '=', sql<string>`any(array(${due}))`).where('state', '=', 'queued'),
      )
      .$if(this.#dialect === 'sqlite', (q) => q.where('id', 'in', due))
      .returningAll()
      .execute();
    return rows.map((row) => claimedJob(row, lease));
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
