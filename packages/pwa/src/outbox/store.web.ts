import { promised } from '../indexeddb.web.js';
import type { OutboxItem } from './item.js';
import { isOutboxMessage } from './messages.js';
import {
  eachOfQueue,
  fromStored,
  OUTBOX_DB_NAME,
  OutboxReplayStore,
  openOutboxDb,
  queueRange,
  type StoredItem,
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

  private constructor(db: IDBDatabase) {
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
  add(item: OutboxItem): Promise<void> {
    return this.write(async (items, changed) => {
      const last = await promised(items.openKeyCursor(null, 'prev'));
      items.add(toStored(item, ((last?.primaryKey as number | undefined) ?? 0) + 1));
      changed.push(item);
    });
  }

  /** The items of a queue in enqueue order. */
  async list(queue: string): Promise<OutboxItem[]> {
    const rows: StoredItem[] = await promised(this.#read().index('queue').getAll(queueRange(queue)));
    return rows.map(fromStored);
  }

  /** The item with id `id`, if there is one. */
  async get(id: string): Promise<OutboxItem | undefined> {
    const row: StoredItem | undefined = await promised(this.#read().index('id').get(id));
    return row ? fromStored(row) : undefined;
  }

  /**
   * Applies `change` to item `id` in one transaction and stores the result; null from `change` leaves the item
   * alone. Returns the stored item, or null when unchanged. Errors thrown by `change` reject, storing nothing.
   */
  update(id: string, change: (item: OutboxItem) => OutboxItem | null): Promise<OutboxItem | null> {
    return this.write(async (items, changed) => {
      const row: StoredItem | undefined = await promised(items.index('id').get(id));
      const next = row ? change(fromStored(row)) : null;
      if (row && next) {
        items.put(toStored(next, row.seq));
        changed.push(next);
      }
      return next;
    });
  }

  /** Applies `change` to every item of a queue in one transaction; returns how many changed. */
  async updateAll(queue: string, change: (item: OutboxItem) => OutboxItem | null): Promise<number> {
    let count = 0;
    await this.write((items, changed) =>
      eachOfQueue(items, queue, (cursor, row) => {
        const next = change(fromStored(row));
        if (next) {
          cursor.update(toStored(next, row.seq));
          changed.push(next);
          count++;
        }
      }),
    );
    return count;
  }

  /**
   * Removes item `id` after `check` accepted it (in the same transaction, so a replayer cannot claim it in
   * between). Returns false when there is no such item; errors thrown by `check` reject, removing nothing.
   */
  remove(id: string, check: (item: OutboxItem) => void): Promise<boolean> {
    return this.write(async (items, changed) => {
      const row: StoredItem | undefined = await promised(items.index('id').get(id));
      if (!row) return false;
      check(fromStored(row));
      items.delete(row.seq);
      changed.push(row);
      return true;
    });
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

  /** The items in a readonly transaction of their own. */
  #read(): IDBObjectStore {
    return this.db.transaction('items').objectStore('items');
  }

  #emit(change: OutboxChange): void {
    for (const listener of this.#listeners) listener({ queue: change.queue, id: change.id });
  }
}
