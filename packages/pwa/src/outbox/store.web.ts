import { type DBSchema, type IDBPDatabase, type IDBPObjectStore, openDB } from 'idb';
import { isOpen, type OutboxItem } from './item.js';
import { isOutboxMessage, OUTBOX_CHANNEL, type OutboxMessage } from './messages.js';
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

interface StoredItem extends OutboxItem {
  /** Position in enqueue order across all queues; the primary key. */
  seq: number;
  /** 1 while pending or sending: the replay loop only walks these. */
  open: 0 | 1;
}

interface OutboxSchema extends DBSchema {
  items: {
    key: number;
    value: StoredItem;
    indexes: { id: string; open: [string, number, number]; queue: [string, number] };
  };
}

/** A change to one item, as listeners hear it. */
export interface OutboxChange {
  queue: string;
  id: string;
}

/**
 * The outbox in IndexedDB, shared by pages and service workers of an origin. Every change runs in one readwrite
 * transaction, which IndexedDB serialises across all contexts: that is what makes a claim (and so the lease)
 * atomic between a page and a worker, or two workers. Every committed change is announced on the
 * {@link OUTBOX_CHANNEL} BroadcastChannel and to this instance's own listeners.
 */
export class OutboxStore {
  readonly #db: IDBPDatabase<OutboxSchema>;
  readonly #channel: BroadcastChannel;
  readonly #listeners = new Set<(change: OutboxChange) => void>();
  #closed = false;

  private constructor(db: IDBPDatabase<OutboxSchema>) {
    this.#db = db;
    this.#channel = new BroadcastChannel(OUTBOX_CHANNEL);
    this.#channel.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (isOutboxMessage(data) && data.type === 'outpost:outbox-changed') this.#emit(data);
    };
  }

  /** Opens (and on first use creates) the outbox database. */
  static async open(name: string = OUTBOX_DB_NAME): Promise<OutboxStore> {
    const db = await openDB<OutboxSchema>(name, 1, {
      upgrade(database) {
        const items = database.createObjectStore('items', { keyPath: 'seq' });
        items.createIndex('id', 'id', { unique: true });
        items.createIndex('open', ['queue', 'open', 'seq']);
        items.createIndex('queue', ['queue', 'seq']);
      },
    });
    return new OutboxStore(db);
  }

  /** Listens to changes from every context of the origin (this one included); returns the unsubscribe. */
  subscribe(listener: (change: OutboxChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stores a new item at the end of the queues' common order. */
  async add(item: OutboxItem): Promise<void> {
    const tx = this.#db.transaction('items', 'readwrite');
    const last = await tx.store.openCursor(null, 'prev');
    const seq = (last?.value.seq ?? 0) + 1;
    await tx.store.add(toStored(item, seq));
    await tx.done;
    this.#announce(item);
  }

  /** The items of a queue in enqueue order. */
  async list(queue: string): Promise<OutboxItem[]> {
    const rows = await this.#db.getAllFromIndex(
      'items',
      'queue',
      IDBKeyRange.bound([queue, -Infinity], [queue, Infinity]),
    );
    return rows.map(fromStored);
  }

  async get(id: string): Promise<OutboxItem | undefined> {
    const row = await this.#db.getFromIndex('items', 'id', id);
    return row ? fromStored(row) : undefined;
  }

  /**
   * Decides about the head of `queue` and, in the same transaction, stores the claim (or marks outlived heads
   * failed and moves on). Returns the step; a `claim` step's item is now leased to `owner`.
   */
  async claimNext(queue: string, owner: string, now: number, options: ClaimOptions): Promise<NextStep> {
    const tx = this.#db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    const step = await claimIn(tx.store, queue, owner, now, options, changed);
    await tx.done;
    for (const item of changed) this.#announce(item);
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
    const tx = this.#db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    const row = await tx.store.index('id').get(item.id);
    const stored = row ? applyOutcome(fromStored(row), owner, outcome, now, options) : null;
    if (row && stored) {
      await tx.store.put(toStored(stored, row.seq));
      changed.push(stored);
    }
    const next = await claimIn(tx.store, item.queue, owner, now, options, changed);
    await tx.done;
    for (const change of changed) this.#announce(change);
    return { stored, next };
  }

  /**
   * Applies `change` to item `id` in one transaction and stores the result; null from `change` leaves the item
   * alone. Returns the stored item, or null when unchanged. Errors thrown by `change` abort the transaction.
   */
  async update(id: string, change: (item: OutboxItem) => OutboxItem | null): Promise<OutboxItem | null> {
    const tx = this.#db.transaction('items', 'readwrite');
    const row = await tx.store.index('id').get(id);
    if (!row) {
      await tx.done;
      return null;
    }
    let next: OutboxItem | null;
    try {
      next = change(fromStored(row));
    } catch (error) {
      tx.abort();
      await tx.done.catch(() => {});
      throw error;
    }
    if (next) await tx.store.put(toStored(next, row.seq));
    await tx.done;
    if (next) this.#announce(next);
    return next;
  }

  /** Applies `change` to every item of a queue in one transaction; returns how many changed. */
  async updateAll(queue: string, change: (item: OutboxItem) => OutboxItem | null): Promise<number> {
    const tx = this.#db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    let cursor = await tx.store.index('queue').openCursor(IDBKeyRange.bound([queue, -Infinity], [queue, Infinity]));
    while (cursor) {
      const next = change(fromStored(cursor.value));
      if (next) {
        await cursor.update(toStored(next, cursor.value.seq));
        changed.push(next);
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    for (const item of changed) this.#announce(item);
    return changed.length;
  }

  /**
   * Removes item `id` after `check` accepted it (in the same transaction, so a replayer cannot claim it in
   * between). Returns false when there is no such item.
   */
  async remove(id: string, check: (item: OutboxItem) => void): Promise<boolean> {
    const tx = this.#db.transaction('items', 'readwrite');
    const row = await tx.store.index('id').get(id);
    if (!row) {
      await tx.done;
      return false;
    }
    try {
      check(fromStored(row));
    } catch (error) {
      tx.abort();
      await tx.done.catch(() => {});
      throw error;
    }
    await tx.store.delete(row.seq);
    await tx.done;
    this.#announce(row);
    return true;
  }

  /**
   * Housekeeping for one queue: items waiting longer than `retentionMs` (including those waiting for sign-in)
   * become failed, never deleted; sent items older than `keepSentMs` are removed (they did their job).
   */
  async sweep(queue: string, now: number, retentionMs: number, keepSentMs: number): Promise<void> {
    const tx = this.#db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    let cursor = await tx.store.index('queue').openCursor(IDBKeyRange.bound([queue, -Infinity], [queue, Infinity]));
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
    for (const item of changed) this.#announce(item);
  }

  /** Closes the database and the channel. */
  close(): void {
    this.#closed = true;
    this.#channel.close();
    this.#db.close();
    this.#listeners.clear();
  }

  #announce(item: Pick<OutboxItem, 'queue' | 'id'>): void {
    // A replay that was running when the store closed still commits its last change; nobody is left to tell.
    if (this.#closed) return;
    const message: OutboxMessage = { type: 'outpost:outbox-changed', queue: item.queue, id: item.id };
    this.#channel.postMessage(message);
    this.#emit(message);
  }

  #emit(change: OutboxChange): void {
    for (const listener of this.#listeners) listener({ queue: change.queue, id: change.id });
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

function toStored(item: OutboxItem, seq: number): StoredItem {
  return { ...item, seq, open: isOpen(item.state) ? 1 : 0 };
}

function fromStored(row: StoredItem): OutboxItem {
  const { seq: _seq, open: _open, ...item } = row;
  return item;
}
