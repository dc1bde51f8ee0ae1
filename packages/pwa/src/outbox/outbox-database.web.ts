import { committed, openDatabase, promised } from '../indexeddb.web.js';
import { isOpen, type OutboxItem, type OutboxRecord } from './item.js';
import { OUTBOX_CHANNEL, type OutboxMessage } from './messages.js';
import type { Outcome } from './response-outcome.js';
import {
  applyOutcome,
  type ClaimOptions,
  type ClaimStep,
  expire,
  isExpired,
  nextStep,
  type OutcomeOptions,
} from './transitions.js';

/** The database name. It never changes with an app version: an update must never lose queued requests. */
export const OUTBOX_DB_NAME = 'outpost-outbox';

/** An item as stored: the record plus what orders and indexes it. */
export interface StoredItem extends OutboxRecord {
  /** Position in enqueue order across all queues; the primary key. */
  seq: number;
  /** 1 while pending or sending: the replay loop only walks these. */
  open: 0 | 1;
}

/**
 * Opens (and on first use creates) the outbox database: one object store `items` keyed by `seq`, with the
 * indexes `id` (unique), `open` (`[queue, open, seq]`) and `queue` (`[queue, seq]`). Version 1 since the first
 * release; existing databases open as they are.
 */
export function openOutboxDb(name: string): Promise<IDBDatabase> {
  return openDatabase(name, 1, (database) => {
    const items = database.createObjectStore('items', { keyPath: 'seq' });
    items.createIndex('id', 'id', { unique: true });
    items.createIndex('open', ['queue', 'open', 'seq']);
    items.createIndex('queue', ['queue', 'seq']);
  });
}

/** A change made inside a transaction: it gets the object store and collects the items to announce. */
export type ItemsWork<T> = (items: IDBObjectStore, changed: OutboxRecord[]) => Promise<T>;

/**
 * The outbox in IndexedDB as a replayer needs it: claim the head of a queue, settle an attempt, sweep. It is all
 * a service worker uses, so the worker's bundle leaves out what only pages do (enqueue, list, retry, cancel,
 * listen), which `OutboxStore` adds. Every change runs in one readwrite transaction, which IndexedDB
 * serialises across all contexts: that is what makes a claim (and so the lease) atomic between a page and a
 * worker, or two workers. Every committed change is announced on the {@link OUTBOX_CHANNEL} BroadcastChannel.
 */
export interface OutboxReplayStore {
  /**
   * Decides about the head of `queue` and, in the same transaction, stores the claim (or marks outlived heads
   * failed and moves on). Returns the step; a `claim` step's item is now leased to `owner`.
   */
  claimNext(queue: string, owner: string, now: number, options: ClaimOptions): Promise<ClaimStep>;
  /**
   * Records the outcome of `owner`'s attempt at `item` and, in the same transaction, takes the next step on
   * its queue (one transaction per request instead of two). Returns the stored item (null if unchanged) and
   * the step.
   */
  settleAndClaimNext(
    item: Pick<OutboxItem, 'id' | 'queue'>,
    owner: string,
    outcome: Outcome,
    now: number,
    options: OutcomeOptions & ClaimOptions,
  ): Promise<{ stored: OutboxRecord | null; next: ClaimStep }>;
  /**
   * Housekeeping for one queue: items waiting longer than `retentionMs` (including those waiting for sign-in)
   * become failed, never deleted; sent items older than `keepSentMs` are removed (they did their job).
   */
  sweep(queue: string, now: number, retentionMs: number, keepSentMs: number): Promise<void>;
  /** Closes the database and the channel. */
  close(): void;
}

/** What the page's `OutboxStore` builds on: the replay store plus its database, channel and transactions. */
export interface OutboxStoreBase extends OutboxReplayStore {
  readonly db: IDBDatabase;
  readonly channel: BroadcastChannel;
  /**
   * Runs `work` in one readwrite transaction on the items and, once it committed, announces what it changed.
   * `work` may await only IndexedDB requests of that transaction, or it would commit early. Rejects when `work`
   * throws or the transaction fails; what `work` wrote before throwing still commits, as it did with `idb`.
   */
  write<T>(work: ItemsWork<T>): Promise<T>;
}

/**
 * Opens (and on first use creates) the outbox database for replaying. `heard` also hears this context's own
 * committed changes (the channel reaches only the others), until the store is closed.
 */
export async function openReplayStore(
  name: string = OUTBOX_DB_NAME,
  heard?: (item: Pick<OutboxItem, 'queue' | 'id'>) => void,
): Promise<OutboxStoreBase> {
  const db = await openOutboxDb(name);
  const channel = new BroadcastChannel(OUTBOX_CHANNEL);
  let closed = false;

  const write = async <T>(work: ItemsWork<T>): Promise<T> => {
    const tx = db.transaction('items', 'readwrite');
    const changed: OutboxRecord[] = [];
    // Awaited together, so a failed transaction never leaves its promise rejected with nobody listening.
    const [result] = await Promise.all([work(tx.objectStore('items'), changed), committed(tx)]);
    // A replay that was running when the store closed still commits its last change; nobody is left to tell.
    for (const { queue, id } of closed ? [] : changed) {
      const message: OutboxMessage = { type: 'outpost:outbox-changed', queue, id };
      channel.postMessage(message);
      heard?.(message);
    }
    return result;
  };

  return {
    db,
    channel,
    write,
    claimNext: (queue, owner, now, options) =>
      write((items, changed) => claimIn(items, queue, owner, now, options, changed)),
    settleAndClaimNext: (item, owner, outcome, now, options) =>
      write(async (items, changed) => {
        const row: StoredItem | undefined = await promised(items.index('id').get(item.id));
        // The transitions keep the row's own fields; toStored sets them afresh.
        const stored = row ? applyOutcome(row, owner, outcome, now, options) : null;
        if (row && stored) {
          items.put(toStored(stored, row.seq));
          changed.push(stored);
        }
        return { stored, next: await claimIn(items, item.queue, owner, now, options, changed) };
      }),
    sweep: (queue, now, retentionMs, keepSentMs) =>
      write(async (items, changed) => {
        for (const row of await queueRows(items, queue)) {
          if (isExpired(row, now, retentionMs)) {
            const failed = expire(row, now, retentionMs);
            items.put(toStored(failed, row.seq));
            changed.push(failed);
          } else if (row.state === 'sent' && (row.sentAt ?? 0) + keepSentMs <= now) {
            items.delete(row.seq);
            changed.push(row);
          }
        }
      }),
    close() {
      closed = true;
      channel.close();
      db.close();
    },
  };
}

/**
 * Decides about the head of `queue` inside a readwrite transaction and stores the claim (or marks outlived
 * heads failed and moves on); the stored items are pushed to `changed` for announcing after the commit.
 */
async function claimIn(
  items: IDBObjectStore,
  queue: string,
  owner: string,
  now: number,
  options: ClaimOptions,
  changed: OutboxRecord[],
): Promise<ClaimStep> {
  // An array sorts after every number: [queue, 1, []] is above every open item's [queue, 1, seq].
  const openItems = IDBKeyRange.bound([queue, 1], [queue, 1, []]);
  for (;;) {
    const head: StoredItem | undefined = await promised(items.index('open').get(openItems));
    // A claimed item keeps the row's `seq` and `open` fields: harmless, as toStored sets them afresh.
    const step = nextStep(head, owner, now, options);
    if (step.kind !== 'expire' && step.kind !== 'claim') return step;
    // Not awaited: the next read in this transaction runs after the put and sees it.
    items.put(toStored(step.item, (head as StoredItem).seq));
    changed.push(step.item);
    if (step.kind === 'claim') return step;
  }
}

/** The rows of `queue` in enqueue order, read in the transaction of `items` (which may then change them). */
export function queueRows(items: IDBObjectStore, queue: string): Promise<StoredItem[]> {
  return promised(items.index('queue').getAll(queueRange(queue)));
}

/** The key range of every item of `queue` on the `queue` index, in enqueue order. */
export function queueRange(queue: string): IDBKeyRange {
  return IDBKeyRange.bound([queue], [queue, []]);
}

/** An item with its stored order and open flag, ready to put. */
export function toStored(item: OutboxRecord, seq: number): StoredItem {
  return { ...item, seq, open: isOpen(item.state) ? 1 : 0 };
}
