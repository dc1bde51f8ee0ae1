import type { Store } from '@outpost/store';
import type { Kysely } from 'kysely';
import type { KeyRecord } from './decision.js';

interface IdempotencyTables {
  idempotency_keys: {
    scope: string;
    key: string;
    fingerprint: string;
    state: string;
    status: number | null;
    headers: string | null;
    body: Uint8Array | null;
    created_at: number;
    expires_at: number;
  };
}

/** Where a key lives: keys are unique per client (scope), not globally. */
export interface KeyId {
  scope: string;
  key: string;
}

/** A stored response. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** The `idempotency_keys` table's queries. */
export class KeyStore {
  readonly #db: Kysely<IdempotencyTables>;

  constructor(store: Store) {
    this.#db = store.db as Kysely<IdempotencyTables>;
  }

  /** Claims a free key for a running request; false when a record exists (whatever its state). */
  async claim(id: KeyId, fingerprint: string, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('idempotency_keys')
      .values({ ...id, fingerprint, state: 'running', created_at: now, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Takes over a record that is expired or whose run was abandoned (created at or before `staleBefore`); false
   * when another request took it first or it changed meanwhile.
   */
  async takeOver(
    id: KeyId,
    fingerprint: string,
    now: number,
    expiresAt: number,
    staleBefore: number,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('idempotency_keys')
      .set({
        fingerprint,
        state: 'running',
        status: null,
        headers: null,
        body: null,
        created_at: now,
        expires_at: expiresAt,
      })
      .where('scope', '=', id.scope)
      .where('key', '=', id.key)
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', now),
          eb.and([eb('state', '=', 'running'), eb('created_at', '<=', staleBefore)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async find(id: KeyId): Promise<KeyRecord | undefined> {
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', id.scope)
      .where('key', '=', id.key)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      fingerprint: row.fingerprint,
      state: row.state === 'done' ? 'done' : 'running',
      status: row.status,
      headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
      body: row.body,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  /** Stores the response of the request that holds the running claim. */
  async complete(id: KeyId, response: StoredResponse): Promise<void> {
    await this.#db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status: response.status, headers: JSON.stringify(response.headers), body: response.body })
      .where('scope', '=', id.scope)
      .where('key', '=', id.key)
      .where('state', '=', 'running')
      .execute();
  }

  /** Frees a running claim whose request made no change (it answered with an error). */
  async release(id: KeyId): Promise<void> {
    await this.#db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', id.scope)
      .where('key', '=', id.key)
      .where('state', '=', 'running')
      .execute();
  }

  /** Deletes expired records; returns how many. */
  async sweep(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
