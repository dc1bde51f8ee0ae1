import type { Dialect, Store } from '@outpost/store';
import { migrate } from '@outpost/store';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { type MessageTable, type PushTables, pushMigrations } from './schema.js';
import { WalFsync } from './wal-fsync.js';

/** A message as stored and as delivered. */
export type StoredMessage = Selectable<MessageTable>;

/** A message the HTTP API accepted, before storage. */
export type IncomingMessage = Omit<StoredMessage, 'seq'>;

/** What became of one message in a {@link PushStore.commitBatch}. */
export type CommitOutcome =
  | { kind: 'stored'; message: StoredMessage }
  /** TTL 0: the subscription exists, nothing was stored. */
  | { kind: 'checked' }
  /** The subscription is gone (unregistered). */
  | { kind: 'gone' }
  /**
   * The user agent already holds `limit` undelivered messages (`scope: 'user-agent'`), or this subscription its fair
   * share of them, `limit` = the UAID's limit divided by its number of subscriptions (`scope: 'subscription'`).
   */
  | { kind: 'storage-full'; limit: number; scope: 'user-agent' | 'subscription' };

/** One write of a group commit. */
export interface BatchInput {
  /**
   * `keyHash`: the one in the endpoint token the message came through (base64url, null for an unrestricted
   * endpoint). A subscription stored with another key hash (re-registered since) treats the message as gone.
   */
  messages: ReadonlyArray<{ message: IncomingMessage; store: boolean; keyHash: string | null }>;
  /**
   * IDs of acknowledged messages to forget. Sessions only ack versions they sent to their own UAID, so the ID
   * alone (the unique index) identifies the row.
   */
  acked: readonly string[];
  now: number;
  storageLimit: number;
}

/** Name under which the push service's migrations are recorded. */
export const PUSH_NAMESPACE = 'push-service';
const CHUNK = 200;

/**
 * The push service's queries, one set for SQLite and Postgres. Message writes go through {@link commitBatch} so that
 * many concurrent POSTs share one transaction (one fsync): a group commit.
 */
export class PushStore {
  readonly db: Kysely<PushTables>;
  readonly dialect: Dialect;

  constructor(readonly store: Store) {
    this.db = store.db as Kysely<PushTables>;
    this.dialect = store.dialect;
  }

  /** Creates or upgrades the tables. */
  async migrate(): Promise<void> {
    await migrate(this.store, PUSH_NAMESPACE, pushMigrations);
  }

  #walFsync: WalFsync | undefined;

  /**
   * SQLite only. `full`: a commit is reported once the WAL is fsynced (survives power loss), the fsync running off
   * the event loop ({@link WalFsync}; needs the database file's path). `normal`: once the commit reached the OS
   * (survives a crash of this process, e.g. kill -9, but not of the machine).
   */
  async setSqliteDurability(mode: 'full' | 'normal', file: string | undefined): Promise<void> {
    if (this.dialect !== 'sqlite') return;
    if (mode === 'full' && file === undefined) {
      // An in-memory database has nothing to fsync; keep SQLite's own FULL for any other case without a path.
      await sql.raw('pragma synchronous = FULL').execute(this.db);
      return;
    }
    await sql.raw('pragma synchronous = NORMAL').execute(this.db);
    if (mode === 'full') this.#walFsync = new WalFsync(`${file}-wal`);
  }

  /** Resolves once every commit made so far is as durable as configured (a no-op on Postgres: its commit is). */
  async durable(): Promise<void> {
    await this.#walFsync?.sync();
  }

  /** WAL fsyncs so far (zero unless SQLite with `full` durability). */
  get fsyncStats(): { count: number; totalMs: number } {
    return this.#walFsync?.stats ?? { count: 0, totalMs: 0 };
  }

  /** Releases the WAL file handle (the store itself is closed by its owner). */
  async close(): Promise<void> {
    await this.#walFsync?.close();
  }

  /**
   * Whether a UAID was ever issued here. With `node`, also records that this node now holds its connection and
   * returns the node that held it before (so that node can drop a connection the user agent left behind).
   */
  async claimUaid(uaid: string, node: string | null): Promise<{ known: boolean; previousNode: string | null }> {
    if (node === null) {
      const row = await this.db.selectFrom('push_uaids').select('uaid').where('uaid', '=', uaid).executeTakeFirst();
      return { known: row !== undefined, previousNode: null };
    }
    return this.db.transaction().execute(async (trx) => {
      let previous = trx.selectFrom('push_uaids').select('connected_node').where('uaid', '=', uaid);
      if (this.dialect === 'postgres') previous = previous.forUpdate();
      const row = await previous.executeTakeFirst();
      if (!row) return { known: false, previousNode: null };
      await trx.updateTable('push_uaids').set({ connected_node: node }).where('uaid', '=', uaid).execute();
      return { known: true, previousNode: row.connected_node };
    });
  }

  /** Forgets that `node` holds the UAID's connection (unless another node took it over meanwhile). */
  async releaseUaid(uaid: string, node: string): Promise<void> {
    await this.db
      .updateTable('push_uaids')
      .set({ connected_node: null })
      .where('uaid', '=', uaid)
      .where('connected_node', '=', node)
      .execute();
  }

  /** The nodes holding these UAIDs' connections, as last recorded. */
  async connectedNodes(uaids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < uaids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('push_uaids')
        .select(['uaid', 'connected_node'])
        .where('uaid', 'in', uaids.slice(i, i + CHUNK))
        .where('connected_node', 'is not', null)
        .execute();
      for (const r of rows) if (r.connected_node !== null) out.set(r.uaid, r.connected_node);
    }
    return out;
  }

  /**
   * Records a subscription, and its UAID at the UAID's first one (`node`: the node holding its connection, when
   * clustered). Idempotent; a repeated register updates the key (endpoints made for the old key then stop working:
   * a push compares its token's key hash with this one). Refused past `maxChannels` subscriptions for the UAID.
   */
  async registerChannel(
    uaid: string,
    channelId: string,
    options: { keyHash: string | null; now: number; node: string | null; maxChannels: number },
  ): Promise<'registered' | 'channel-limit'> {
    const { keyHash, now, node, maxChannels } = options;
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('push_channels')
        .select('channel_id')
        .where('uaid', '=', uaid)
        .where('channel_id', '=', channelId)
        .executeTakeFirst();
      if (!existing) {
        const { n } = await trx
          .selectFrom('push_channels')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('uaid', '=', uaid)
          .executeTakeFirstOrThrow();
        if (Number(n) >= maxChannels) return 'channel-limit';
      }
      await trx
        .insertInto('push_uaids')
        .values({ uaid, created_at: now, connected_node: node })
        .onConflict((oc) => oc.column('uaid').doNothing())
        .execute();
      await trx
        .insertInto('push_channels')
        .values({ uaid, channel_id: channelId, key_hash: keyHash, created_at: now })
        .onConflict((oc) => oc.columns(['uaid', 'channel_id']).doUpdateSet({ key_hash: keyHash }))
        .execute();
      return 'registered';
    });
  }

  /** How many UAIDs are stored (hostile-client checks: anonymous hellos must leave none). */
  async uaidCount(): Promise<number> {
    const { n } = await this.db
      .selectFrom('push_uaids')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /** Deletes a subscription and its undelivered messages. Returns whether it existed. */
  async unregisterChannel(uaid: string, channelId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('push_messages').where('uaid', '=', uaid).where('channel_id', '=', channelId).execute();
      const r = await trx
        .deleteFrom('push_channels')
        .where('uaid', '=', uaid)
        .where('channel_id', '=', channelId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  /** Whether a subscription exists. */
  async channelExists(uaid: string, channelId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('push_channels')
      .select('uaid')
      .where('uaid', '=', uaid)
      .where('channel_id', '=', channelId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Unexpired stored messages of a user agent, oldest first. */
  async pendingMessages(uaid: string, limit: number, now: number): Promise<StoredMessage[]> {
    return this.db
      .selectFrom('push_messages')
      .selectAll()
      .where('uaid', '=', uaid)
      .where('expires_at', '>', now)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** Deletes one message by its ID (the DELETE API). Returns whether it was still stored. */
  async deleteMessage(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('push_messages').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Deletes expired messages; returns how many. */
  async sweepExpired(now: number): Promise<number> {
    const r = await this.db.deleteFrom('push_messages').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /**
   * One group commit: the messages (subscription and key check, topic replacement, storage limits, insert), then
   * acknowledged deletions, all in one transaction. Outcomes are in the order of `input.messages`.
   */
  async commitBatch(input: BatchInput): Promise<CommitOutcome[]> {
    return this.db.transaction().execute(async (trx) => {
      const outcomes = input.messages.length > 0 ? await writeMessages(trx, input) : [];
      if (input.acked.length > 0) await deleteAcked(trx, input.acked);
      return outcomes;
    });
  }
}

async function deleteAcked(trx: Transaction<PushTables>, acked: BatchInput['acked']): Promise<void> {
  for (let i = 0; i < acked.length; i += CHUNK) {
    await trx
      .deleteFrom('push_messages')
      .where('id', 'in', acked.slice(i, i + CHUNK))
      .execute();
  }
}

// Indexes into the batch come from the batch itself, so a miss is a bug in this module, not bad input.
function messageAt(messages: BatchInput['messages'], i: number): IncomingMessage {
  const entry = messages[i];
  if (entry === undefined) throw new RangeError(`no message ${i} in a batch of ${messages.length}`);
  return entry.message;
}

async function writeMessages(trx: Transaction<PushTables>, input: BatchInput): Promise<CommitOutcome[]> {
  const { messages, now, storageLimit } = input;
  const { keyHashes, channelCounts } = await existingChannels(trx, messages);
  // A subscription re-registered with another key (or none) is not the one the old endpoints were made for.
  const outcomes: (CommitOutcome | undefined)[] = messages.map(({ message, keyHash }) =>
    keyHashes.get(pairKey(message.uaid, message.channel_id)) === keyHash ? undefined : { kind: 'gone' },
  );

  // Topic replacement: a newer message with the same topic replaces an undelivered one, also within this batch.
  const topics = new Map<string, number>();
  messages.forEach(({ message, store }, i) => {
    if (outcomes[i] || !store || message.topic === null) return;
    topics.set(`${pairKey(message.uaid, message.channel_id)}\n${message.topic}`, i);
  });
  for (const index of topics.values()) {
    const m = messageAt(messages, index);
    await trx
      .deleteFrom('push_messages')
      .where('uaid', '=', m.uaid)
      .where('channel_id', '=', m.channel_id)
      .where('topic', '=', m.topic)
      .execute();
  }

  const toStore = messages.flatMap(({ store }, i) => (outcomes[i] || !store ? [] : [i]));
  const { perUaid, perChannel } = await storedCounts(
    trx,
    [...new Set(toStore.map((i) => messageAt(messages, i).uaid))],
    now,
  );
  const inserts: number[] = [];
  for (const i of toStore) {
    const m = messageAt(messages, i);
    const replacedInBatch = m.topic !== null && topics.get(`${pairKey(m.uaid, m.channel_id)}\n${m.topic}`) !== i;
    if (replacedInBatch) {
      // Accepted, then replaced by a later message of the same topic before it was ever stored.
      outcomes[i] = { kind: 'checked' };
      continue;
    }
    const count = perUaid.get(m.uaid) ?? 0;
    if (count >= storageLimit) {
      outcomes[i] = { kind: 'storage-full', limit: storageLimit, scope: 'user-agent' };
      continue;
    }
    // Fair share: one site's burst must not take the storage every other subscription of this user agent needs.
    const share = Math.max(1, Math.floor(storageLimit / (channelCounts.get(m.uaid) ?? 1)));
    const pair = pairKey(m.uaid, m.channel_id);
    const channelCount = perChannel.get(pair) ?? 0;
    if (channelCount >= share) {
      outcomes[i] = { kind: 'storage-full', limit: share, scope: 'subscription' };
      continue;
    }
    perUaid.set(m.uaid, count + 1);
    perChannel.set(pair, channelCount + 1);
    inserts.push(i);
  }
  for (let c = 0; c < inserts.length; c += CHUNK) {
    const chunk = inserts.slice(c, c + CHUNK);
    const rows = await trx
      .insertInto('push_messages')
      .values(chunk.map((i) => messageAt(messages, i)))
      .returning(['id', 'seq'])
      .execute();
    const seqById = new Map(rows.map((r) => [r.id, Number(r.seq)]));
    for (const i of chunk) {
      const m = messageAt(messages, i);
      const seq = seqById.get(m.id);
      if (seq === undefined) throw new Error(`insert returned no seq for message ${m.id}`);
      outcomes[i] = { kind: 'stored', message: { ...m, seq } };
    }
  }
  return outcomes.map((o) => o ?? { kind: 'checked' });
}

/** The batch's UAIDs' subscriptions: each one's stored key hash, and how many each UAID has. */
async function existingChannels(
  trx: Transaction<PushTables>,
  messages: BatchInput['messages'],
): Promise<{ keyHashes: Map<string, string | null>; channelCounts: Map<string, number> }> {
  // All channels of the batch's UAIDs (a user agent has few, at most the channel cap): a plain IN on the key's
  // first column is cheaper than a row-value IN over (uaid, channel_id).
  const uaids = [...new Set(messages.map(({ message: m }) => m.uaid))];
  const keyHashes = new Map<string, string | null>();
  const channelCounts = new Map<string, number>();
  for (let i = 0; i < uaids.length; i += CHUNK) {
    const rows = await trx
      .selectFrom('push_channels')
      .select(['uaid', 'channel_id', 'key_hash'])
      .where('uaid', 'in', uaids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) {
      keyHashes.set(pairKey(r.uaid, r.channel_id), r.key_hash);
      channelCounts.set(r.uaid, (channelCounts.get(r.uaid) ?? 0) + 1);
    }
  }
  return { keyHashes, channelCounts };
}

/** Unexpired stored messages per UAID and per subscription. */
async function storedCounts(
  trx: Transaction<PushTables>,
  uaids: string[],
  now: number,
): Promise<{ perUaid: Map<string, number>; perChannel: Map<string, number> }> {
  const perUaid = new Map<string, number>();
  const perChannel = new Map<string, number>();
  for (let i = 0; i < uaids.length; i += CHUNK) {
    const rows = await trx
      .selectFrom('push_messages')
      .select(['uaid', 'channel_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('uaid', 'in', uaids.slice(i, i + CHUNK))
      .where('expires_at', '>', now)
      .groupBy(['uaid', 'channel_id'])
      .execute();
    for (const r of rows) {
      const n = Number(r.n);
      perChannel.set(pairKey(r.uaid, r.channel_id), n);
      perUaid.set(r.uaid, (perUaid.get(r.uaid) ?? 0) + n);
    }
  }
  return { perUaid, perChannel };
}

function pairKey(uaid: string, channelId: string): string {
  return `${uaid}/${channelId}`;
}
