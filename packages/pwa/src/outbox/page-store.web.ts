import { promised } from '../indexeddb.web.js';
import type { OutboxItem } from './item.js';
import { inWords } from './item-wording.js';
import { isOutboxMessage } from './messages.js';
import {
  OUTBOX_DB_NAME,
  type OutboxReplayStore,
  openReplayStore,
  queueRows,
  type StoredItem,
  toStored,
} from './outbox-database.web.js';

export { OUTBOX_DB_NAME } from './outbox-database.web.js';

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
export interface OutboxStore extends OutboxReplayStore {
  /** Listens to changes from every context of the origin (this one included); returns the unsubscribe. */
  subscribe(listener: (change: OutboxChange) => void): () => void;
  /** Stores a new item at the end of the queues' common order. */
  add(item: OutboxItem): Promise<void>;
  /** The items of a queue in enqueue order. */
  list(queue: string): Promise<OutboxItem[]>;
  /** The item with id `id`, if there is one. */
  get(id: string): Promise<OutboxItem | undefined>;
  /**
   * Applies `change` to item `id` in one transaction and stores the result; null from `change` leaves the item
   * alone. Returns the stored item, or null when unchanged. Errors thrown by `change` reject, storing nothing.
   */
  update(id: string, change: (item: OutboxItem) => OutboxItem | null): Promise<OutboxItem | null>;
  /** Applies `change` to every item of a queue in one transaction; returns how many changed. */
  updateAll(queue: string, change: (item: OutboxItem) => OutboxItem | null): Promise<number>;
  /**
   * Removes item `id` after `check` accepted it (in the same transaction, so a replayer cannot claim it in
   * between). Returns false when there is no such item; errors thrown by `check` reject, removing nothing.
   */
  remove(id: string, check: (item: OutboxItem) => void): Promise<boolean>;
  /** Closes the database and the channel; listeners hear nothing more. */
  close(): void;
}

/** Opens the page's outbox store: `OutboxStore.open(name?)`. */
export const OutboxStore = {
  /** Opens (and on first use creates) the outbox database. */
  async open(name: string = OUTBOX_DB_NAME): Promise<OutboxStore> {
    const listeners = new Set<(change: OutboxChange) => void>();
    const emit = (change: OutboxChange) => {
      for (const listener of listeners) listener({ queue: change.queue, id: change.id });
    };
    const base = await openReplayStore(name, emit);
    base.channel.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (isOutboxMessage(data) && data.type === 'outpost:outbox-changed') emit(data);
    };
    const { db, write } = base;
    /** The items in a readonly transaction of their own. */
    const read = () => db.transaction('items').objectStore('items');

    return {
      claimNext: base.claimNext,
      settleAndClaimNext: base.settleAndClaimNext,
      sweep: base.sweep,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      add: (item) =>
        write(async (items, changed) => {
          const last = await promised(items.openKeyCursor(null, 'prev'));
          items.add(toStored(item, ((last?.primaryKey as number | undefined) ?? 0) + 1));
          changed.push(item);
        }),
      async list(queue) {
        return (await queueRows(read(), queue)).map(fromStored);
      },
      async get(id) {
        const found: StoredItem | undefined = await promised(read().index('id').get(id));
        return found && fromStored(found);
      },
      update: (id, change) =>
        write(async (items, changed) => {
          const found: StoredItem | undefined = await promised(items.index('id').get(id));
          const next = found ? change(fromStored(found)) : null;
          if (found && next) {
            items.put(toStored(next, found.seq));
            changed.push(next);
          }
          return next;
        }),
      updateAll: (queue, change) =>
        write(async (items, changed) => {
          for (const found of await queueRows(items, queue)) {
            const next = change(fromStored(found));
            if (next) {
              items.put(toStored(next, found.seq));
              changed.push(next);
            }
          }
          return changed.length;
        }),
      remove: (id, check) =>
        write(async (items, changed) => {
          const found: StoredItem | undefined = await promised(items.index('id').get(id));
          if (!found) return false;
          check(fromStored(found));
          items.delete(found.seq);
          changed.push(found);
          return true;
        }),
      close() {
        base.close();
        listeners.clear();
      },
    };
  },
};

/**
 * The item of a stored row as the page sees it: without what only the store needs, its reason and last error in
 * words (replayers record a server's answer and the retention span unworded).
 */
export function fromStored(row: StoredItem): OutboxItem {
  const { seq: _seq, open: _open, ...record } = row;
  return inWords(record);
}
