import { openChannel } from '../channel.web.js';
import { isPeriodicMessage, PERIODIC_CHANNEL, type PeriodicMessage } from './messages.js';
import type { PeriodicRunRecord, PeriodicSource } from './record.js';
import { type PeriodicHandlerSpec, type RunPeriodicOptions, runPeriodic } from './runner.sw.js';

/** A handler, or a handler with its budget and cache limits. */
export type PeriodicHandlerEntry = PeriodicHandlerSpec | PeriodicHandlerSpec['run'];

/** Options of {@link handlePeriodic}. */
export interface HandlePeriodicOptions extends Omit<RunPeriodicOptions, 'source'> {
  /** The handler of each tag. A tag without one is recorded as failed. */
  handlers: Readonly<Record<string, PeriodicHandlerEntry>>;
}

/** What a worker may call after {@link handlePeriodic}. */
export interface PeriodicRunner {
  /**
   * Runs `tag` now (or joins its run in progress) and announces the record on the channel. Tests call this;
   * a real event would keep the worker alive with `waitUntil`.
   */
  run(tag: string, source: PeriodicSource, requestId?: string | null): Promise<PeriodicRunRecord>;
}

/** The events the periodic capability listens to: a stand-in for ServiceWorkerGlobalScope in tests. */
export interface PeriodicScope {
  addEventListener(
    type: 'periodicsync' | 'message',
    listener: (event: { tag?: string; data?: unknown; waitUntil(promise: Promise<unknown>): void }) => void,
  ): void;
}

/** What `handlePeriodic` does, on any scope (tests pass a stand-in for the worker's global scope). */
export function installPeriodic(scope: PeriodicScope, options: HandlePeriodicOptions): PeriodicRunner {
  const { handlers, ...runOptions } = options;
  const channel = openChannel(PERIODIC_CHANNEL, isPeriodicMessage);
  const running = new Map<string, Promise<PeriodicRunRecord>>();

  const start = (tag: string, source: PeriodicSource): Promise<PeriodicRunRecord> => {
    const entry = Object.hasOwn(handlers, tag) ? handlers[tag] : undefined;
    const spec: PeriodicHandlerSpec =
      entry === undefined
        ? {
            run: () => Promise.reject(new Error(`no periodic handler for tag ${JSON.stringify(tag)}`)),
          }
        : typeof entry === 'function'
          ? { run: entry }
          : entry;
    return runPeriodic(tag, spec, { ...runOptions, source });
  };

  const runner: PeriodicRunner = {
    async run(tag, source, requestId = null) {
      let run = running.get(tag);
      if (!run) {
        run = start(tag, source).finally(() => running.delete(tag));
        running.set(tag, run);
      }
      const record = await run;
      const message: PeriodicMessage = { type: 'outpost:periodic-ran', tag, requestId, record };
      channel.post(message);
      return record;
    },
  };

  scope.addEventListener('periodicsync', (event) => {
    if (typeof event.tag === 'string') event.waitUntil(runner.run(event.tag, 'periodicsync'));
  });
  scope.addEventListener('message', (event) => {
    const data = event.data;
    if (isPeriodicMessage(data) && data.type === 'outpost:periodic-run') {
      event.waitUntil(runner.run(data.tag, 'fallback', data.requestId));
    }
  });
  return runner;
}
