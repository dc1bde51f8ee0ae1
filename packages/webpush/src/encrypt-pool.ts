import type { Worker } from 'node:worker_threads';
import type { WorkerBatch, WorkerBatchResult, WorkerInit } from './crypto-worker.js';
import type { ContentEncoding, EncryptedPayload } from './encrypt.js';
import { PushCryptoError, type PushCryptoErrorCode } from './errors.js';
import type { PushSubscriptionKeys } from './keys.js';
import { TurnBatcher } from './turn-batcher.js';
import { startWorker } from './worker-entry.js';

interface Job {
  keys: PushSubscriptionKeys;
  resolve(value: EncryptedPayload): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  outstanding: number;
}

/** Options for {@link EncryptPool}. */
export interface EncryptPoolOptions {
  threads: number;
  payload: Uint8Array;
  encoding: ContentEncoding;
  padding: number;
  /** Most jobs in one message to a worker; 32 by default. */
  batchSize?: number;
}

/**
 * Encrypts one payload for many subscriptions on worker threads, so the per-message ECDH uses every core
 * while the main thread does the HTTP. Jobs queued in the same event-loop turn travel as one batch.
 */
export class EncryptPool {
  readonly #slots: Slot[] = [];
  readonly #batches = new Map<number, { slot: Slot; jobs: Job[] }>();
  readonly #batcher: TurnBatcher<Job>;
  #nextId = 0;
  #failure: Error | undefined;

  constructor(options: EncryptPoolOptions) {
    this.#batcher = new TurnBatcher(options.batchSize ?? 32, (jobs) => this.#dispatch(jobs));
    const init: WorkerInit = {
      type: 'init',
      payload: options.payload,
      encoding: options.encoding,
      padding: options.padding,
    };
    for (let i = 0; i < options.threads; i++) {
      const worker = startWorker('crypto-worker');
      const slot: Slot = { worker, outstanding: 0 };
      worker.on('message', (result: WorkerBatchResult) => this.#settle(result));
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`crypto worker exited with code ${code}`));
      });
      worker.postMessage(init);
      this.#slots.push(slot);
    }
  }

  /** Encrypts the pool's payload for one subscription. */
  encrypt(keys: PushSubscriptionKeys): Promise<EncryptedPayload> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#batcher.push({ keys, resolve, reject }));
  }

  // One batch to the least busy worker.
  #dispatch(jobs: Job[]): void {
    let slot = this.#slots[0];
    if (slot === undefined) {
      const error = new Error(`EncryptPool has no worker threads (threads must be at least 1)`);
      for (const job of jobs) job.reject(error);
      return;
    }
    for (const s of this.#slots) if (s.outstanding < slot.outstanding) slot = s;
    const id = this.#nextId++;
    slot.outstanding += jobs.length;
    this.#batches.set(id, { slot, jobs });
    const batch: WorkerBatch = { type: 'batch', id, keys: jobs.map((j) => j.keys) };
    slot.worker.postMessage(batch);
  }

  #settle(result: WorkerBatchResult): void {
    const entry = this.#batches.get(result.id);
    if (!entry) return;
    this.#batches.delete(result.id);
    entry.slot.outstanding -= entry.jobs.length;
    const bytes = new Uint8Array(result.buffer);
    let offset = 0;
    entry.jobs.forEach((job, i) => {
      const error = result.errors[i];
      if (error) {
        job.reject(new PushCryptoError(error.code as PushCryptoErrorCode, error.message));
        return;
      }
      const length = result.lengths[i];
      const headers = result.headers[i];
      if (length === undefined || !headers) {
        job.reject(new Error(`crypto worker batch ${result.id} has neither a body nor an error for job ${i}`));
        return;
      }
      job.resolve({ body: bytes.subarray(offset, offset + length), headers });
      offset += length;
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const { jobs } of this.#batches.values()) for (const job of jobs) job.reject(error);
    this.#batches.clear();
    for (const job of this.#batcher.drain()) job.reject(error);
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    this.#failure ??= new Error('encryption pool is closed');
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
