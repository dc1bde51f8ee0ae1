import type { ClaimedJob, JobInput, JobStore } from './job-store.js';

/** Recipients per statement; a larger backlog waits for the next batch. */
const MAX_ACCOUNTS = 2000;

/** The worker of this process, which sends the jobs a batch claims as it queues them. */
export interface AdoptingWorker {
  reserve(wanted: number): number;
  adopt(jobs: readonly ClaimedJob[], reserved: number): void;
  wake(): void;
}

interface Pending {
  accountIds: readonly string[];
  job: JobInput;
  now: number;
  resolve(queued: number): void;
  reject(error: unknown): void;
}

/**
 * `notify` calls made outside a transaction share one INSERT … SELECT and one commit ({@link JobStore.enqueueMany})
 * instead of a statement and a commit each: the calls of one event-loop turn are written together after the turn's
 * other callbacks, shared out over the statements that may run at once (`maxInFlight`: on Postgres two, so that one
 * statement's round trip overlaps the other's; on SQLite one, as a statement runs synchronously there); calls that
 * arrive while every slot is busy wait for the next free one. A call resolves once its batch has committed, so it
 * returns only after its jobs are durable, as before. A batch whose statement fails (nothing of it was written) is
 * retried call by call, so one call's bad input or a deadlock with a concurrent subscription change fails that call
 * alone.
 *
 * As many of a batch's jobs as this process's worker has free lanes for are written already claimed and handed to
 * it, so they are sent without a claim statement; the rest wait in the queue for a claim, as every job did before.
 */
export class NotifyBatcher {
  readonly #jobs: JobStore;
  readonly #worker: AdoptingWorker;
  readonly #leaseMs: number;
  readonly #maxInFlight: number;
  #pending: Pending[] = [];
  #inFlight = 0;
  /** A flush is due at the end of this event-loop turn. */
  #scheduled = false;
  readonly #running = new Set<Promise<void>>();

  /** `maxInFlight`: statements of this batcher running at once. */
  constructor(jobs: JobStore, worker: AdoptingWorker, leaseMs: number, maxInFlight: number) {
    this.#jobs = jobs;
    this.#worker = worker;
    this.#leaseMs = leaseMs;
    this.#maxInFlight = maxInFlight;
  }

  /** Queues the jobs of one `notify` call; resolves with their number after the commit. */
  enqueue(accountIds: readonly string[], job: JobInput, now: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ accountIds, job, now, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when no batch is running or waiting to run (for shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#scheduled) {
      if (this.#running.size > 0) await Promise.allSettled(this.#running);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#inFlight < this.#maxInFlight && this.#pending.length > 0) {
      // The waiting calls are shared out over the free slots, so that statements overlap instead of one carrying
      // every call while the other slot idles.
      const share = Math.ceil(this.#pending.length / (this.#maxInFlight - this.#inFlight));
      let accounts = 0;
      let take = 0;
      for (const call of this.#pending) {
        if (take >= share || (take > 0 && accounts + call.accountIds.length > MAX_ACCOUNTS)) break;
        accounts += call.accountIds.length;
        take++;
      }
      const batch = this.#pending.splice(0, take);
      this.#inFlight++;
      const run: Promise<void> = this.#write(batch).finally(() => {
        this.#inFlight--;
        this.#running.delete(run);
        this.#schedule();
      });
      this.#running.add(run);
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    try {
      const counts = await this.#queue(batch);
      for (const [i, call] of batch.entries()) call.resolve(counts[i] ?? 0);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (call) => {
          try {
            call.resolve((await this.#queue([call]))[0] ?? 0);
          } catch (single) {
            call.reject(single);
          }
        }),
      );
    }
  }

  /** One statement for `calls`; its claimed jobs go to the worker, and the worker is woken for any others. */
  async #queue(calls: Pending[]): Promise<number[]> {
    const wanted = calls.reduce((sum, call) => sum + call.accountIds.length, 0);
    const reserved = this.#worker.reserve(wanted);
    let claimed: ClaimedJob[] = [];
    try {
      const result = await this.#jobs.enqueueMany(calls, { count: reserved, leaseMs: this.#leaseMs });
      claimed = result.claimed;
      if (result.counts.reduce((sum, n) => sum + n, 0) > claimed.length) this.#worker.wake();
      return result.counts;
    } finally {
      this.#worker.adopt(claimed, reserved);
    }
  }
}
