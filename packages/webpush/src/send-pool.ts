import type { Worker } from 'node:worker_threads';
import type { PushSubscriptionJSON } from './keys.js';
import type { SendWorkerBatch, SendWorkerInit, SendWorkerReply } from './send-worker.js';
import type { SendResult } from './sender.js';
import { TurnBatcher } from './turn-batcher.js';
import { startWorker } from './worker-entry.js';

interface Job {
  id: number;
  subscription: PushSubscriptionJSON;
  resolve(result: SendResult): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  slots: number;
  outstanding: number;
}

/**
 * Sends messages on worker threads that each encrypt and POST with their own connection pools (see
 * send-worker.ts). The caller bounds how many jobs are outstanding; this pool spreads them over the workers
 * in proportion to their request slots, batching the jobs queued in one event-loop turn.
 */
export class SendPool {
  readonly #workers: Slot[] = [];
  readonly #jobs = new Map<number, Job & { slot: Slot }>();
  readonly #batcher: TurnBatcher<Job>;
  #nextId = 0;
  #failure: Error | undefined;

  /** Starts `threads` workers sharing `concurrency` request slots. */
  constructor(threads: number, concurrency: number, init: Omit<SendWorkerInit, 'type' | 'slots'>, batchSize = 32) {
    this.#batcher = new TurnBatcher(batchSize, (jobs) => this.#dispatch(jobs));
    const n = Math.max(1, Math.min(threads, concurrency));
    for (let i = 0; i < n; i++) {
      const slots = Math.floor(concurrency / n) + (i < concurrency % n ? 1 : 0);
      const worker = startWorker('send-worker');
      const slot: Slot = { worker, slots, outstanding: 0 };
      worker.on('message', (message: SendWorkerReply | { type: 'closed' }) => {
        if (message.type === 'done') this.#settle(message);
      });
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.#fail(new Error(`send worker exited with code ${code}`));
      });
      const message: SendWorkerInit = { type: 'init', ...init, slots };
      worker.postMessage(message);
      this.#workers.push(slot);
    }
  }

  /** Encrypts and sends to one subscription on a worker; resolves with its result. */
  send(subscription: PushSubscriptionJSON): Promise<SendResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#batcher.push({ id: this.#nextId++, subscription, resolve, reject }));
  }

  // One batch to the worker with the most free request slots, in proportion.
  #dispatch(jobs: Job[]): void {
    let slot = this.#workers[0];
    // Unreachable while the constructor starts at least one worker; kept so a change there fails loudly.
    if (slot === undefined) {
      const error = new Error('SendPool has no workers');
      for (const job of jobs) job.reject(error);
      return;
    }
    for (const s of this.#workers) if (s.outstanding / s.slots < slot.outstanding / slot.slots) slot = s;
    slot.outstanding += jobs.length;
    for (const job of jobs) this.#jobs.set(job.id, { ...job, slot });
    const batch: SendWorkerBatch = {
      type: 'batch',
      jobs: jobs.map((j) => ({ id: j.id, subscription: j.subscription })),
    };
    slot.worker.postMessage(batch);
  }

  #settle(reply: SendWorkerReply): void {
    const { ids, statuses, attempts, locations } = reply.delivered;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] ?? -1;
      const job = this.#jobs.get(id);
      if (!job) continue;
      this.#jobs.delete(id);
      job.slot.outstanding--;
      const location = locations[i];
      // The same object, key for key, as deliver() made in the worker.
      job.resolve({
        result: 'delivered',
        endpoint: job.subscription.endpoint,
        status: statuses[i] ?? 0,
        attempts: attempts[i] ?? 0,
        ...(typeof location === 'string' ? { location } : {}),
      });
    }
    for (const item of reply.items) {
      const job = this.#jobs.get(item.id);
      if (!job) continue;
      this.#jobs.delete(item.id);
      job.slot.outstanding--;
      if (item.result) job.resolve(item.result);
      else {
        const error = new Error(item.error?.message ?? 'send worker failed');
        error.name = item.error?.name ?? 'Error';
        job.reject(error);
      }
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const job of this.#jobs.values()) job.reject(error);
    this.#jobs.clear();
    for (const job of this.#batcher.drain()) job.reject(error);
  }

  /** Aborts every request in flight (their jobs reject with the abort error). */
  abort(): void {
    for (const { worker } of this.#workers) worker.postMessage({ type: 'abort' });
  }

  /** Lets each worker close its connection pools, then stops the threads. */
  async close(): Promise<void> {
    this.#failure ??= new Error('send pool is closed');
    await Promise.all(
      this.#workers.map(async ({ worker }) => {
        const closed = new Promise<void>((resolve) => {
          worker.on('message', (m: { type: string }) => m.type === 'closed' && resolve());
          worker.once('exit', () => resolve());
        });
        worker.postMessage({ type: 'close' });
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        await worker.terminate();
      }),
    );
  }
}
