/**
 * Collects items and hands them on in batches: as soon as `size` are waiting, and otherwise at the end of the
 * current event-loop turn. Both worker pools use it, so jobs queued together cross to a worker thread in one
 * `postMessage` instead of one each.
 *
 * @example
 * const batcher = new TurnBatcher<Job>(32, (jobs) => worker.postMessage({ type: 'batch', jobs }));
 * batcher.push(job);
 */
export class TurnBatcher<T> {
  readonly #size: number;
  readonly #onBatch: (batch: T[]) => void;
  #queue: T[] = [];
  #scheduled = false;

  constructor(size: number, onBatch: (batch: T[]) => void) {
    this.#size = size;
    this.#onBatch = onBatch;
  }

  /** Queues one item; a full batch goes at once, a partial one at the end of this turn. */
  push(item: T): void {
    this.#queue.push(item);
    if (this.#queue.length >= this.#size) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Takes every item not yet handed on (to fail them when the pool fails). */
  drain(): T[] {
    return this.#queue.splice(0);
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) this.#onBatch(this.#queue.splice(0, this.#size));
  }
}
