import type { JobInput, JobStore } from './job-store.js';

/** Batches in flight at once: one gathers callers while the other's statement runs. */
const MAX_IN_FLIGHT = 2;
/** Recipients per statement; a larger backlog waits for the next batch. */
const MAX_ACCOUNTS = 2000;

interface Pending {
  accountIds: readonly string[];
  job: JobInput;
  now: number;
  resolve(queued: number): void;
  reject(error: unknown): void;
}

/**
 * Postgres: `notify` calls made outside a transaction that arrive while another batch's statement runs share one
 * INSERT … SELECT and one commit ({@link JobStore.enqueueMany}), instead of a round trip and a commit each; a call
 * resolves once its batch has committed, so it returns only after its jobs are durable, as before. A batch whose
 * statement fails (nothing of it was written) is retried call by call, so one call's bad input or a deadlock with
 * a concurrent subscription change fails that call alone.
 */
export class NotifyBatcher {
  readonly #jobs: JobStore;
  #pending: Pending[] = [];
  #inFlight = 0;
  readonly #running = new Set<Promise<void>>();

  constructor(jobs: JobStore) {
    this.#jobs = jobs;
  }

  /** Queues the jobs of one `notify` call; resolves with their number after the commit. */
  enqueue(accountIds: readonly string[], job: JobInput, now: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ accountIds, job, now, resolve, reject });
      this.#flush();
    });
  }

  /** Resolves when no batch is running (for shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled(this.#running);
  }

  #flush(): void {
    if (this.#inFlight >= MAX_IN_FLIGHT || this.#pending.length === 0) return;
    let accounts = 0;
    let take = 0;
    for (const call of this.#pending) {
      if (take > 0 && accounts + call.accountIds.length > MAX_ACCOUNTS) break;
      accounts += call.accountIds.length;
      take++;
    }
    const batch = this.#pending.splice(0, take);
    this.#inFlight++;
    const run: Promise<void> = this.#write(batch).finally(() => {
      this.#inFlight--;
      this.#running.delete(run);
      this.#flush();
    });
    this.#running.add(run);
  }

  async #write(batch: Pending[]): Promise<void> {
    try {
      const counts = await this.#jobs.enqueueMany(batch);
      for (const [i, call] of batch.entries()) call.resolve(counts[i] ?? 0);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (call) => {
          try {
            call.resolve((await this.#jobs.enqueueMany([call]))[0] ?? 0);
          } catch (single) {
            call.reject(single);
          }
        }),
      );
    }
  }
}
