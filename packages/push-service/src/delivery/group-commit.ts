import type { CommitOutcome, IncomingMessage, PushStore } from '../store/push-store.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Collects writes from concurrent requests and commits them together, one transaction per turn of the event loop
 * (at most one in flight). Each POST still gets its answer only after the transaction holding its message has
 * committed, so a 201 keeps meaning "durably stored", but a thousand POSTs cost one fsync instead of a thousand.
 */
export class GroupCommit {
  #messages: { message: IncomingMessage; store: boolean; keyHash: string | null; waiter: Waiter<CommitOutcome> }[] = [];
  #acked: { id: string; waiter: Waiter<void> }[] = [];
  #running: Promise<void> | undefined;
  #scheduled = false;
  /** Commits done, waiting for their fsync; the next commit is already being built meanwhile. */
  readonly #syncing = new Set<Promise<void>>();

  constructor(
    private readonly store: PushStore,
    private readonly storageLimit: number,
    private readonly maxBatch = 1000,
  ) {}

  /**
   * Stores a message (or, with `store: false`, only checks its subscription) in the next commit. `keyHash` is the
   * endpoint token's; a subscription stored with another one is treated as gone.
   */
  submitMessage(message: IncomingMessage, store: boolean, keyHash: string | null): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      this.#messages.push({ message, store, keyHash, waiter: { resolve, reject } });
      this.#schedule();
    });
  }

  /** Forgets an acknowledged message in the next commit (the caller checked it was sent to this user agent). */
  submitAck(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#acked.push({ id, waiter: { resolve, reject } });
      this.#schedule();
    });
  }

  /** Resolves once everything submitted so far is committed (used by graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#running || this.#scheduled || this.#pending() > 0 || this.#syncing.size > 0) {
      if (this.#running) await this.#running;
      else if (this.#syncing.size > 0) await Promise.all(this.#syncing);
      else await new Promise((r) => setImmediate(r));
    }
  }

  #pending(): number {
    return this.#messages.length + this.#acked.length;
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate lets every request parsed in this I/O turn join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#flush().finally(() => {
        this.#running = undefined;
        if (this.#pending() > 0) this.#schedule();
      });
    });
  }

  async #flush(): Promise<void> {
    const messages = this.#messages.splice(0, this.maxBatch);
    const acked = this.#acked.splice(0, this.maxBatch);
    const fail = (error: unknown) => {
      for (const w of [...messages, ...acked]) w.waiter.reject(error);
    };
    let outcomes: CommitOutcome[];
    try {
      outcomes = await this.store.commitBatch({
        messages,
        acked: acked.map((a) => a.id),
        now: Date.now(),
        storageLimit: this.storageLimit,
      });
    } catch (error) {
      fail(error);
      return;
    }
    // Answer once durable, but let the next batch commit while this one's fsync runs.
    const synced = this.store.durable().then(() => {
      for (const [i, m] of messages.entries()) {
        const outcome = outcomes[i];
        if (outcome === undefined) {
          m.waiter.reject(new Error(`commitBatch answered ${outcomes.length} of ${messages.length} messages`));
        } else m.waiter.resolve(outcome);
      }
      for (const a of acked) a.waiter.resolve();
    }, fail);
    this.#syncing.add(synced);
    void synced.finally(() => this.#syncing.delete(synced));
  }
}
