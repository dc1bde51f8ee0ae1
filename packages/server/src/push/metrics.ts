import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The push queue's Prometheus metrics, in a registry of their own (one per plugin instance). */
export class PushMetrics {
  readonly registry: Registry;
  readonly sent: Counter;
  readonly subscriptionsRemoved: Counter<'reason'>;
  readonly failed: Counter<'outcome'>;
  readonly retried: Counter;
  readonly expired: Counter;
  readonly sendSeconds: Histogram<'result'>;

  /** `depth` is read at every scrape (queue depth and the age of the oldest queued job). */
  constructor(depth: () => Promise<{ queued: number; oldestCreatedAt: number | null }>, now: () => number) {
    this.registry = new Registry();
    const registers = [this.registry];
    this.sent = new Counter({
      name: 'outpost_push_sent_total',
      help: 'Push messages the push service accepted',
      registers,
    });
    this.subscriptionsRemoved = new Counter({
      name: 'outpost_push_subscriptions_removed_total',
      help: 'Subscriptions deleted because the push service said they are gone (404/410) or their keys are unusable',
      labelNames: ['reason'],
      registers,
    });
    this.failed = new Counter({
      name: 'outpost_push_failed_total',
      help: 'Jobs that will not be delivered: refused (4xx), too large (413), or dead-lettered after retries',
      labelNames: ['outcome'],
      registers,
    });
    this.retried = new Counter({
      name: 'outpost_push_retried_total',
      help: 'Attempts rescheduled after a 429, 5xx or network error',
      registers,
    });
    this.expired = new Counter({
      name: 'outpost_push_expired_total',
      help: 'Jobs dropped because their TTL ran out before they could be sent',
      registers,
    });
    this.sendSeconds = new Histogram({
      name: 'outpost_push_send_duration_seconds',
      help: 'Time of one send (encryption and the POST to the push service)',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    let snapshot: Promise<{ queued: number; oldestCreatedAt: number | null }> | undefined;
    // One query per scrape feeds both gauges.
    const read = () => {
      snapshot ??= depth().finally(() => {
        snapshot = undefined;
      });
      return snapshot;
    };
    new Gauge({
      name: 'outpost_push_queue_depth',
      help: 'Jobs queued (due now or waiting for a retry)',
      registers,
      async collect() {
        this.set((await read()).queued);
      },
    });
    new Gauge({
      name: 'outpost_push_oldest_job_age_seconds',
      help: 'Age of the oldest queued job, 0 when the queue is empty',
      registers,
      async collect() {
        const { oldestCreatedAt } = await read();
        this.set(oldestCreatedAt === null ? 0 : Math.max(0, (now() - oldestCreatedAt) / 1000));
      },
    });
  }
}
