import {
  type PushHttpClient,
  type SendResult,
  sendNotification,
  type Urgency,
  type VapidDetails,
} from '@outpost/webpush';
import type { ClaimedJob, JobStore } from './job-store.js';
import type { PushMetrics } from './metrics.js';
import { jobOutcome, type ResolvedQueueRetryPolicy } from './outcome.js';
import type { SubscriptionStore } from './subscription-store.js';

/** How long sent jobs gather before one DELETE removes them all. */
const DELETE_BATCH_MS = 10;

/** What the worker needs: the tables, the sender's settings and the knobs of the drain loop. */
export interface WorkerContext {
  jobs: JobStore;
  subscriptions: SubscriptionStore;
  metrics: PushMetrics;
  client: PushHttpClient;
  vapid: VapidDetails;
  retry: ResolvedQueueRetryPolicy;
  /** Sends in flight at once. */
  concurrency: number;
  /** How long a claim holds a job; a job whose worker died is due again after it. */
  leaseMs: number;
  /** Per-attempt timeout of a send. Must be well under `leaseMs`. */
  timeoutMs: number;
  now: () => number;
  log: { warn(obj: object, msg: string): void };
}

/**
 * Drains the push queue: claims due jobs in batches, keeps up to `concurrency` sends in flight, and settles each job
 * by its result (see {@link jobOutcome}). `drain()` calls are serialised within a process; across processes the
 * claim query keeps workers apart.
 */
export class PushWorker {
  readonly #ctx: WorkerContext;
  #chain: Promise<void> = Promise.resolve();
  /** Sends in flight, from claims and from {@link adopt}. */
  readonly #running = new Set<Promise<void>>();
  /** Lanes promised by {@link reserve} to jobs not yet adopted. */
  #reserved = 0;
  /** Set by {@link wake}: new jobs may be due, so a drain whose last claim came up short claims again. */
  #woken = false;
  /** Set by {@link wake}, cleared as the loop starts a drain: a wake during a drain is not lost to the sleep after. */
  #wakePending = false;
  #sentBatch: { ids: string[]; done: Promise<void> } | undefined;
  /** DELETE batches of sent jobs not yet done; a drain resolves only after them. */
  readonly #deleting = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /**
   * Resolves the wait of a drain that has sends in flight: when one of them ends, or when a `notify` brings new
   * jobs (which need not wait for a send to end). One callback instead of racing every send in flight, which would
   * add a reaction to each of them at every wake.
   */
  #nudge: (() => void) | undefined;

  constructor(ctx: WorkerContext) {
    this.#ctx = ctx;
  }

  /** Sends every job due now (and any that come due while it runs); resolves when none is left. */
  drain(): Promise<void> {
    const run = this.#chain.then(() => this.#drainDue());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Starts the background loop: drain, then sleep until woken or `pollMs` passes. */
  start(pollMs: number): void {
    if (this.#loop) return;
    this.#loop = (async () => {
      while (!this.#stopped) {
        this.#wakePending = false;
        try {
          await this.drain();
        } catch (error) {
          this.#ctx.log.warn({ err: error }, 'push queue drain failed; retrying after the poll interval');
        }
        if (this.#stopped) break;
        if (this.#wakePending) continue;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = setTimeout(resolve, pollMs);
        });
        clearTimeout(this.#timer);
        this.#wake = undefined;
      }
    })();
  }

  /** Makes a sleeping loop look for due jobs now (after a `notify`). */
  wake(): void {
    this.#woken = true;
    this.#wakePending = true;
    this.#wake?.();
    this.#nudge?.();
  }

  #nudged(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#nudge = resolve;
    });
  }

  /**
   * Promises up to `wanted` free lanes to jobs about to be written already claimed (see {@link adopt}); 0 when the
   * background loop is not running. Every reservation ends in one {@link adopt} call.
   */
  reserve(wanted: number): number {
    if (!this.#loop || this.#stopped) return 0;
    const lanes = Math.max(0, Math.min(wanted, this.#ctx.concurrency - this.#running.size - this.#reserved));
    this.#reserved += lanes;
    return lanes;
  }

  /**
   * Sends jobs this process claimed when it queued them, in the lanes `reserved` promised them (no claim
   * statement). After a stop they are left alone: their lease runs out and a worker claims them then.
   */
  adopt(jobs: readonly ClaimedJob[], reserved: number): void {
    this.#reserved -= reserved;
    if (this.#stopped) return;
    for (const job of jobs) this.#start(job);
  }

  /** Stops the loop after the sends in flight finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
    await this.#chain;
    await Promise.allSettled(this.#running);
    await Promise.all(this.#deleting);
  }

  #start(job: ClaimedJob): void {
    const task: Promise<void> = this.#process(job).finally(() => {
      this.#running.delete(task);
      this.#nudge?.();
    });
    this.#running.add(task);
  }

  async #drainDue(): Promise<void> {
    const { concurrency } = this.#ctx;
    const running = this.#running;
    // Refill when a quarter of the lanes are free, so claims come in batches rather than one job at a time.
    const refillAt = Math.max(1, Math.floor(concurrency / 4));
    // Whether the last claim found fewer due jobs than it asked for: then a send ending is no reason to look again
    // (that would be a claim per send for nothing); a wake is, and so is the last send ending.
    let exhausted = false;
    try {
      for (;;) {
        if (this.#stopped && running.size === 0) return;
        const room = concurrency - running.size - this.#reserved;
        const lanesFree = !this.#stopped && room > 0 && (room >= refillAt || running.size === 0);
        let claimed = false;
        if (lanesFree && (!exhausted || this.#woken || running.size === 0)) {
          this.#woken = false;
          const jobs = await this.#ctx.jobs.claim(room, this.#ctx.leaseMs, this.#ctx.now());
          claimed = true;
          exhausted = jobs.length < room;
          for (const job of jobs) this.#start(job);
        }
        if (running.size === 0 && (exhausted || !claimed || this.#stopped)) return;
        // A wake during the claim (its nudge found nobody waiting) is answered now, not after the next send ends.
        const wokenMeanwhile = this.#woken && !this.#stopped && concurrency - running.size - this.#reserved >= refillAt;
        if (
          running.size > 0 &&
          !wokenMeanwhile &&
          (!claimed || exhausted || this.#stopped || running.size > concurrency - refillAt)
        ) {
          await this.#nudged();
          this.#nudge = undefined;
        }
      }
    } finally {
      await Promise.allSettled(running);
      await Promise.all(this.#deleting);
    }
  }

  async #process(job: ClaimedJob): Promise<void> {
    const { metrics, now } = this.#ctx;
    try {
      if (!job.subscription) {
        // Unsubscribed after the job was queued: nobody to send to.
        this.#removeSent(job.id);
        return;
      }
      const remainingMs = job.expiresAt - now();
      if (remainingMs <= 0) {
        metrics.expired.inc();
        await this.#ctx.jobs.remove([job.id]);
        return;
      }
      const result = await this.#send(job, job.subscription, Math.ceil(remainingMs / 1000));
      await this.#settle(job, result);
    } catch (error) {
      // A failure of our own (database, a bug): leave the job claimed; its lease runs out and it is tried again.
      this.#ctx.log.warn({ err: error, job: job.id }, 'push job could not be processed');
    }
  }

  async #send(
    job: ClaimedJob,
    subscription: NonNullable<ClaimedJob['subscription']>,
    ttl: number,
  ): Promise<SendResult> {
    const started = performance.now();
    let result: SendResult;
    try {
      result = await sendNotification(subscription, job.payload, {
        vapid: this.#ctx.vapid,
        ttl,
        ...(job.urgency === null ? {} : { urgency: job.urgency as Urgency }),
        ...(job.topic === null ? {} : { topic: job.topic }),
        client: this.#ctx.client,
        timeoutMs: this.#ctx.timeoutMs,
        // The queue retries durably, with its own backoff; one attempt per claim.
        retry: false,
      });
    } catch (error) {
      result = { result: 'failed', endpoint: subscription.endpoint, attempts: 1, reason: (error as Error).message };
    }
    this.#ctx.metrics.sendSeconds.observe({ result: result.result }, (performance.now() - started) / 1000);
    return result;
  }

  async #settle(job: ClaimedJob, result: SendResult): Promise<void> {
    const { jobs, metrics, subscriptions } = this.#ctx;
    const outcome = jobOutcome(result, job, this.#ctx.now(), this.#ctx.retry);
    switch (outcome.kind) {
      case 'sent':
        metrics.sent.inc();
        this.#removeSent(job.id);
        return;
      case 'gone': {
        const endpoint = job.subscription?.endpoint ?? result.endpoint;
        // Jobs of one subscription sent at once all hear 410: the subscription is counted once.
        const removed = await subscriptions.removeGone(job.id, job.subscriptionId, endpoint);
        if (removed === 'removed') {
          metrics.subscriptionsRemoved.inc({ reason: result.result === 'invalid' ? 'invalid' : 'gone' });
        }
        if (removed === 'replaced') {
          // The subscription got a new endpoint during the send, and this job's copy with it: send again, there.
          metrics.retried.inc();
          await jobs.reschedule(job, this.#ctx.now(), `${endpoint} is gone; the subscription moved to a new endpoint`);
          return;
        }
        await jobs.remove([job.id]);
        return;
      }
      case 'failed':
        metrics.failed.inc({ outcome: result.result });
        await jobs.settle(job, 'failed', outcome.reason);
        return;
      case 'dead':
        metrics.failed.inc({ outcome: 'dead' });
        await jobs.settle(job, 'dead', outcome.reason);
        return;
      case 'expired':
        metrics.expired.inc();
        await jobs.remove([job.id]);
        return;
      case 'retry':
        metrics.retried.inc();
        await jobs.reschedule(job, outcome.runAt, outcome.reason);
        return;
    }
  }

  /**
   * Deletes a sent job together with the others sent within {@link DELETE_BATCH_MS}: one DELETE per batch instead
   * of one per job (at thousands of sends a second, those round trips would be most of the queue's overhead). The
   * job's send lane is free at once; a drain resolves only after its batches are deleted. A crash inside the window
   * re-sends the batch's jobs after their lease, as any crash between send and delete would.
   */
  #removeSent(id: string): void {
    if (!this.#sentBatch) {
      const ids: string[] = [];
      const done: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, DELETE_BATCH_MS))
        .then(() => {
          this.#sentBatch = undefined;
          return this.#ctx.jobs.remove(ids);
        })
        .catch((error: unknown) => {
          // The jobs stay claimed: their lease runs out and they are sent again (the at-least-once case).
          this.#ctx.log.warn({ err: error, jobs: ids.length }, 'sent push jobs could not be deleted');
        })
        .finally(() => this.#deleting.delete(done));
      this.#deleting.add(done);
      this.#sentBatch = { ids, done };
    }
    this.#sentBatch.ids.push(id);
  }
}
