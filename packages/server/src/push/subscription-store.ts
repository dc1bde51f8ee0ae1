import { randomUUID } from 'node:crypto';
import type { Dialect, Store } from '@outpost/store';
import type { Kysely } from 'kysely';
import type { PushTables } from './tables.js';

/** A subscription as the page posts it (`PushSubscription.toJSON()`), checked. */
export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  expirationTime?: number | null;
}

/** A stored subscription. */
export interface StoredSubscription {
  id: string;
  endpoint: string;
  accountId: string;
  keys: { p256dh: string; auth: string };
  expirationTime: number | null;
}

/** The `push_subscriptions` table's queries. */
export class SubscriptionStore {
  readonly #db: Kysely<PushTables>;
  readonly #dialect: Dialect;

  constructor(store: Store) {
    this.#db = store.db as Kysely<PushTables>;
    this.#dialect = store.dialect;
  }

  /**
   * Stores a subscription for an account: one row per endpoint, so posting a known endpoint moves it to this
   * account. With `oldEndpoint` (a `pushsubscriptionchange`), the old row takes the new endpoint and keys and keeps
   * its id, so jobs already queued for it go to the new endpoint. Returns whether a new row was made.
   */
  async save(accountId: string, input: SubscriptionInput, oldEndpoint: string | undefined, now: number) {
    const values = {
      endpoint: input.endpoint,
      account_id: accountId,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      expiration_time: input.expirationTime ?? null,
      updated_at: now,
    };
    return this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('push_subscriptions')
        .select('id')
        .where('endpoint', '=', input.endpoint)
        .executeTakeFirst();
      const old =
        oldEndpoint !== undefined && oldEndpoint !== input.endpoint
          ? await trx
              .selectFrom('push_subscriptions')
              .select('id')
              .where('endpoint', '=', oldEndpoint)
              .executeTakeFirst()
          : undefined;
      // Queued jobs carry a copy of their subscription's endpoint and keys: rewrite it with the row.
      const copy = { endpoint: values.endpoint, p256dh: values.p256dh, auth: values.auth };
      if (existing) {
        await trx.updateTable('push_subscriptions').set(values).where('id', '=', existing.id).execute();
        await trx.updateTable('push_jobs').set(copy).where('subscription_id', '=', existing.id).execute();
        if (old) {
          // Both rows exist: the old one's pending jobs move to the survivor, then the old row goes.
          await trx
            .updateTable('push_jobs')
            .set({ subscription_id: existing.id, ...copy })
            .where('subscription_id', '=', old.id)
            .execute();
          await trx.deleteFrom('push_subscriptions').where('id', '=', old.id).execute();
        }
        return { created: false, id: existing.id };
      }
      if (old) {
        await trx.updateTable('push_subscriptions').set(values).where('id', '=', old.id).execute();
        await trx.updateTable('push_jobs').set(copy).where('subscription_id', '=', old.id).execute();
        return { created: true, id: old.id };
      }
      const id = randomUUID();
      await trx
        .insertInto('push_subscriptions')
        .values({ id, ...values, created_at: now })
        .execute();
      return { created: true, id };
    });
  }

  /** Deletes the row of an endpoint and its queued jobs; false when there was none. */
  async removeEndpoint(endpoint: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('push_subscriptions')
        .select('id')
        .where('endpoint', '=', endpoint)
        .executeTakeFirst();
      if (!row) return false;
      await this.#removeById(trx, row.id);
      return true;
    });
  }

  /**
   * The push service said `endpoint`, where job `jobId` was just sent, is gone: deletes subscription `id` and its
   * queued jobs while it still has that endpoint. `replaced` when a `pushsubscriptionchange` gave the job a new
   * endpoint while the send was in flight (the subscription stays; the job should go again, there); `absent` when
   * the subscription was deleted already.
   */
  async removeGone(jobId: string, id: string, endpoint: string): Promise<'removed' | 'replaced' | 'absent'> {
    return this.#db.transaction().execute(async (trx) => {
      const job = await trx.selectFrom('push_jobs').select('endpoint').where('id', '=', jobId).executeTakeFirst();
      if (job && job.endpoint !== endpoint) return 'replaced';
      const row = await trx
        .selectFrom('push_subscriptions')
        .select('id')
        .where('id', '=', id)
        .where('endpoint', '=', endpoint)
        // Postgres: no pushsubscriptionchange may give the row a new endpoint between this check and the DELETE.
        .$if(this.#dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      // Jobs of one subscription sent at once all hear 410: only the one whose DELETE took the row says `removed`.
      return row && (await this.#removeById(trx, id)) ? 'removed' : 'absent';
    });
  }

  /** Whether this call deleted the row (a concurrent one may have deleted it first). */
  async #removeById(trx: Kysely<PushTables>, id: string): Promise<boolean> {
    await trx.deleteFrom('push_jobs').where('subscription_id', '=', id).where('state', '=', 'queued').execute();
    const result = await trx.deleteFrom('push_subscriptions').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The subscriptions of one account. */
  async forAccount(accountId: string): Promise<StoredSubscription[]> {
    const rows = await this.#db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
    return rows.map(toSubscription);
  }

  /** The subscription with this endpoint, if stored. */
  async byEndpoint(endpoint: string): Promise<StoredSubscription | undefined> {
    const row = await this.#db
      .selectFrom('push_subscriptions')
      .selectAll()
      .where('endpoint', '=', endpoint)
      .executeTakeFirst();
    return row ? toSubscription(row) : undefined;
  }
}

function toSubscription(row: PushTables['push_subscriptions']): StoredSubscription {
  return {
    id: row.id,
    endpoint: row.endpoint,
    accountId: row.account_id,
    keys: { p256dh: row.p256dh, auth: row.auth },
    expirationTime: row.expiration_time,
  };
}
