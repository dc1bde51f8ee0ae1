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
    token: string | null;
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

/** The queries a claim needs (see `acquireClaim`); {@link KeyStore} is the real one, tests use fakes. */
export interface ClaimStore {
  find(id: KeyId): Promise<KeyRecord | undefined>;
  claim(id: KeyId, fingerprint: string, token: string, now: number, expiresAt: number): Promise<boolean>;
  takeOver(
    id: KeyId,
    fingerprint: string,
    token: string,
    now: number,
    expiresAt: number,
    staleBefore: number,
  ): Promise<boolean>;
}

/** The `idempotency_keys` table's queries, on the store or on one transaction. */
export class KeyStore implements ClaimStore {
  readonly #db: Kysely<IdempotencyTables>;

  constructor(db: Store['db']) {
    this.#db = db as Kysely<IdempotencyTables>;
  }

  /** Claims a free key for a running request under `token`; false when a record exists (whatever its state). */
  async claim(id: KeyId, fingerprint: string, token: string, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('idempotency_keys')
      .values({ ...id, fingerprint, token, state: 'running', created_at: now, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Takes over, under `token`, a record that is expired or whose run was abandoned (created at or before
   * `staleBefore`); false when another request took it first or it changed meanwhile. The old holder's token is
   * gone with it, so a late completion of the abandoned request changes nothing.
   */
  async takeOver(
    id: KeyId,
    fingerprint: string,
    token: string,
    now: number,
    expiresAt: number,
    staleBefore: number,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('idempotency_keys')
      .set({
        fingerprint,
        token,
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

  /** Stores the response of the request holding the claim `token`; false when that request no longer holds it. */
  async complete(id: KeyId, token: string, response: StoredResponse): Promise<boolean> {
    const result = await this.#db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status: response.status, headers: JSON.stringify(response.headers), body: response.body })
      .where('scope', '=', id.scope)
      .where('key', '=', id.key)
      .where('state', '=', 'running')
      .where('token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Frees the claim `token` of a request that made no change (it answered with an error); false when that request
   * no longer holds it (another took the key over, and keeps it).
   */
  async release(id: KeyId, token: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', id.scope)
      .where('key', '=', id.key)
      .where('state', '=', 'running')
      .where('token', '=', token)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Deletes expired records; returns how many. */
  async sweep(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
