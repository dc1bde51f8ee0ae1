import { type DBSchema, type IDBPDatabase, type IDBPObjectStore, openDB } from 'idb';
import { isOpen, type OutboxItem } from './item.js';
import { OUTBOX_CHANNEL, type OutboxMessage } from './messages.js';
import type { Outcome } from './outcome.js';
import {
  applyOutcome,
  type ClaimOptions,
  expire,
  isExpired,
  type NextStep,
  nextStep,
  type OutcomeOptions,
} from './transitions.js';

/** The database name. It never changes with an app version: an update must never lose queued requests. */
export const OUTBOX_DB_NAME = 'outpost-outbox';

/** An item as stored: the item plus what orders and indexes it. */
export interface StoredItem extends OutboxItem {
  /** Position in enqueue order across all queues; the primary key. */
  seq: number;
  /** 1 while pending or sending: the replay loop only walks these. */
  open: 0 | 1;
}

/** The outbox database's one object store and its indexes. */
export interface OutboxSchema extends DBSchema {
  items: {
    key: number;
    value: StoredItem;
    indexes: { id: string; open: [string, number, number]; queue: [string, number] };
  };
}

/** Opens (and on first use creates) the outbox database. */
export function openOutboxDb(name: string): Promise<IDBPDatabase<OutboxSchema>> {
  return openDB<OutboxSchema>(name, 1, {
    upgrade(database) {
      const items = database.createObjectStore('items', { keyPath: 'seq' });
      items.createIndex('id', 'id', { unique: true });
      items.createIndex('open', ['queue', 'open', 'seq']);
      items.createIndex('queue', ['queue', 'seq']);
    },
  });
}

/**
 * The outbox in IndexedDB as a replayer needs it: claim the head of a queue, settle an attempt, sweep. It is all
 * a service worker uses, so the worker's bundle leaves out what only pages do (enqueue, list, retry, cancel,
 * listen), which lives in `OutboxStore`. Every change runs in one readwrite transaction, which IndexedDB
 * serialises across all contexts: that is what makes a claim (and so the lease) atomic between a page and a
 * worker, or two workers. Every committed change is announced on the {@link OUTBOX_CHANNEL} BroadcastChannel.
 */
export class OutboxReplayStore {
  protected readonly db: IDBPDatabase<OutboxSchema>;
  protected readonly channel: BroadcastChannel;
  #closed = false;

  protected constructor(db: IDBPDatabase<OutboxSchema>) {
    this.db = db;
    this.channel = new BroadcastChannel(OUTBOX_CHANNEL);
  }

  /** Opens (and on first use creates) the outbox database for replaying. */
  static async open(name: string = OUTBOX_DB_NAME): Promise<OutboxReplayStore> {
    return new OutboxReplayStore(await openOutboxDb(name));
  }

  /**
   * Decides about the head of `queue` and, in the same transaction, stores the claim (or marks outlived heads
   * failed and moves on). Returns the step; a `claim` step's item is now leased to `owner`.
   */
  async claimNext(queue: string, owner: string, now: number, options: ClaimOptions): Promise<NextStep> {
    const tx = this.db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    const step = await claimIn(tx.store, queue, owner, now, options, changed);
    await tx.done;
    for (const item of changed) this.announce(item);
    return step;
  }

  /**
   * Records the outcome of `owner`'s attempt at item `id` and, in the same transaction, takes the next step on
   * its queue (one transaction per request instead of two). Returns the stored item (null if unchanged) and
   * the step.
   */
  async settleAndClaimNext(
    item: Pick<OutboxItem, 'id' | 'queue'>,
    owner: string,
    outcome: Outcome,
    now: number,
    options: OutcomeOptions & ClaimOptions,
  ): Promise<{ stored: OutboxItem | null; next: NextStep }> {
    const tx = this.db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    const row = await tx.store.index('id').get(item.id);
    const stored = row ? applyOutcome(fromStored(row), owner, outcome, now, options) : null;
    if (row && stored) {
      await tx.store.put(toStored(stored, row.seq));
      changed.push(stored);
    }
    const next = await claimIn(tx.store, item.queue, owner, now, options, changed);
    await tx.done;
    for (const change of changed) this.announce(change);
    return { stored, next };
  }

  /**
   * Housekeeping for one queue: items waiting longer than `retentionMs` (including those waiting for sign-in)
   * become failed, never deleted; sent items older than `keepSentMs` are removed (they did their job).
   */
  async sweep(queue: string, now: number, retentionMs: number, keepSentMs: number): Promise<void> {
    const tx = this.db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    let cursor = await tx.store.index('queue').openCursor(queueRange(queue));
    while (cursor) {
      const item = fromStored(cursor.value);
      if (isExpired(item, now, retentionMs)) {
        const failed = expire(item, now, retentionMs);
        await cursor.update(toStored(failed, cursor.value.seq));
        changed.push(failed);
      } else if (item.state === 'sent' && (item.sentAt ?? 0) + keepSentMs <= now) {
        await cursor.delete();
        changed.push(item);
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    for (const item of changed) this.announce(item);
  }

  /** Closes the database and the channel. */
  close(): void {
    this.#closed = true;
    this.channel.close();
    this.db.close();
  }

  /** Tells every other context of the origin that `item` changed. */
  protected announce(item: Pick<OutboxItem, 'queue' | 'id'>): void {
    // A replay that was running when the store closed still commits its last change; nobody is left to tell.
    if (this.#closed) return;
    const message: OutboxMessage = { type: 'outpost:outbox-changed', queue: item.queue, id: item.id };
    this.channel.postMessage(message);
  }
}

type ItemsStore = IDBPObjectStore<OutboxSchema, ['items'], 'items', 'readwrite'>;

/**
 * Decides about the head of `queue` inside a readwrite transaction and stores the claim (or marks outlived
 * heads failed and moves on); the stored items are pushed to `changed` for announcing after the commit.
 */
async function claimIn(
  items: ItemsStore,
  queue: string,
  owner: string,
  now: number,
  options: ClaimOptions,
  changed: OutboxItem[],
): Promise<NextStep> {
  const openItems = IDBKeyRange.bound([queue, 1, -Infinity], [queue, 1, Infinity]);
  for (;;) {
    const head = await items.index('open').get(openItems);
    const step = nextStep(head ? fromStored(head) : undefined, owner, now, options);
    if (step.kind !== 'expire' && step.kind !== 'claim') return step;
    await items.put(toStored(step.item, (head as StoredItem).seq));
    changed.push(step.item);
    if (step.kind === 'claim') return step;
  }
}

/** The key range of every item of `queue` on the `queue` index, in enqueue order. */
export function queueRange(queue: string): IDBKeyRange {
  return IDBKeyRange.bound([queue, -Infinity], [queue, Infinity]);
}

/** An item with its stored order and open flag, ready to put. */
export function toStored(item: OutboxItem, seq: number): StoredItem {
  return { ...item, seq, open: isOpen(item.state) ? 1 : 0 };
}

/** The item of a stored row, without what only the store needs. */
export function fromStored(row: StoredItem): OutboxItem {
  const { seq: _seq, open: _open, ...item } = row;
  return item;
}
