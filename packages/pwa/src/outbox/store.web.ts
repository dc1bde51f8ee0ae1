import type { IDBPDatabase } from 'idb';
import type { OutboxItem } from './item.js';
import { isOutboxMessage } from './messages.js';
import {
  fromStored,
  OUTBOX_DB_NAME,
  OutboxReplayStore,
  type OutboxSchema,
  openOutboxDb,
  queueRange,
  toStored,
} from './replay-store.web.js';

export { OUTBOX_DB_NAME } from './replay-store.web.js';

/** A change to one item, as listeners hear it. */
export interface OutboxChange {
  queue: string;
  id: string;
}

/**
 * The whole outbox in IndexedDB, as pages use it: the replay operations of {@link OutboxReplayStore} plus
 * enqueue, list, retry, cancel and change listeners. Every committed change, from any context of the origin,
 * reaches this instance's listeners (over the outbox BroadcastChannel, and directly for its own changes).
 */
export class OutboxStore extends OutboxReplayStore {
  readonly #listeners = new Set<(change: OutboxChange) => void>();

  private constructor(db: IDBPDatabase<OutboxSchema>) {
    super(db);
    this.channel.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (isOutboxMessage(data) && data.type === 'outpost:outbox-changed') this.#emit(data);
    };
  }

  /** Opens (and on first use creates) the outbox database. */
  static override async open(name: string = OUTBOX_DB_NAME): Promise<OutboxStore> {
    return new OutboxStore(await openOutboxDb(name));
  }

  /** Listens to changes from every context of the origin (this one included); returns the unsubscribe. */
  subscribe(listener: (change: OutboxChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stores a new item at the end of the queues' common order. */
  async add(item: OutboxItem): Promise<void> {
    const tx = this.db.transaction('items', 'readwrite');
    const last = await tx.store.openCursor(null, 'prev');
    const seq = (last?.value.seq ?? 0) + 1;
    await tx.store.add(toStored(item, seq));
    await tx.done;
    this.announce(item);
  }

  /** The items of a queue in enqueue order. */
  async list(queue: string): Promise<OutboxItem[]> {
    const rows = await this.db.getAllFromIndex('items', 'queue', queueRange(queue));
    return rows.map(fromStored);
  }

  /** The item with id `id`, if there is one. */
  async get(id: string): Promise<OutboxItem | undefined> {
    const row = await this.db.getFromIndex('items', 'id', id);
    return row ? fromStored(row) : undefined;
  }

  /**
   * Applies `change` to item `id` in one transaction and stores the result; null from `change` leaves the item
   * alone. Returns the stored item, or null when unchanged. Errors thrown by `change` abort the transaction.
   */
  async update(id: string, change: (item: OutboxItem) => OutboxItem | null): Promise<OutboxItem | null> {
    const tx = this.db.transaction('items', 'readwrite');
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
    if (next) this.announce(next);
    return next;
  }

  /** Applies `change` to every item of a queue in one transaction; returns how many changed. */
  async updateAll(queue: string, change: (item: OutboxItem) => OutboxItem | null): Promise<number> {
    const tx = this.db.transaction('items', 'readwrite');
    const changed: OutboxItem[] = [];
    let cursor = await tx.store.index('queue').openCursor(queueRange(queue));
    while (cursor) {
      const next = change(fromStored(cursor.value));
      if (next) {
        await cursor.update(toStored(next, cursor.value.seq));
        changed.push(next);
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    for (const item of changed) this.announce(item);
    return changed.length;
  }

  /**
   * Removes item `id` after `check` accepted it (in the same transaction, so a replayer cannot claim it in
   * between). Returns false when there is no such item.
   */
  async remove(id: string, check: (item: OutboxItem) => void): Promise<boolean> {
    const tx = this.db.transaction('items', 'readwrite');
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
    this.announce(row);
    return true;
  }

  /** Closes the database and the channel; listeners hear nothing more. */
  override close(): void {
    super.close();
    this.#listeners.clear();
  }

  protected override announce(item: Pick<OutboxItem, 'queue' | 'id'>): void {
    // After close() the base announces nothing and the listeners are gone, so this stays silent too.
    super.announce(item);
    this.#emit(item);
  }

  #emit(change: OutboxChange): void {
    for (const listener of this.#listeners) listener({ queue: change.queue, id: change.id });
  }
}
