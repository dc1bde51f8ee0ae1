import type { CDPSession } from '@playwright/test';
import { DEFAULT_SW_TIMEOUT_MS, type WaitOptions } from './sw.js';

/** A CDP `BackgroundService.ServiceName`. */
export type BackgroundServiceName =
  | 'backgroundFetch'
  | 'backgroundSync'
  | 'pushMessaging'
  | 'notifications'
  | 'paymentHandler'
  | 'periodicBackgroundSync';

/** One entry of the browser's background service log. */
export interface BackgroundServiceEvent {
  service: string;
  /** e.g. `Registered sync`, `Dispatched sync event`, `Sync event ended`. */
  eventName: string;
  origin: string;
  serviceWorkerRegistrationId: string;
  /** The sync tag, fetch id, ... that groups events of one instance. */
  instanceId: string;
  /** Key/value details, e.g. `{ tag, lastChance }` or a push payload. */
  metadata: Record<string, string>;
}

/** A running recording; see {@link recordBackgroundServices}. */
export interface BackgroundServiceRecording {
  /** Everything recorded so far (including what the profile had recorded before the call). */
  events(): BackgroundServiceEvent[];
  /** Resolves with the first event (past or future) matching `predicate`; rejects after the timeout. */
  waitFor(
    predicate: (event: BackgroundServiceEvent) => boolean,
    options?: WaitOptions,
  ): Promise<BackgroundServiceEvent>;
  /** Stops recording and observing the services. */
  stop(): Promise<void>;
}

/**
 * Records the browser's own log of background work — the DevTools "Background services" panel — for
 * `services`: `BackgroundService.startObserving` + `setRecording`, collecting
 * `BackgroundService.backgroundServiceEventReceived`. The log is an independent witness that the browser
 * registered and dispatched a sync, delivered a push, showed a notification, ran a fetch.
 *
 * @example
 * ```ts
 * const log = await recordBackgroundServices(cdp, ['backgroundSync']);
 * await dispatchSync(cdp, { origin, registrationId: id, tag: 'outbox' });
 * await log.waitFor((e) => e.eventName === 'Dispatched sync event' && e.instanceId === 'outbox');
 * ```
 */
export async function recordBackgroundServices(
  cdp: CDPSession,
  services: readonly BackgroundServiceName[],
): Promise<BackgroundServiceRecording> {
  const recorded: BackgroundServiceEvent[] = [];
  const listeners = new Set<(event: BackgroundServiceEvent) => void>();
  const onEvent = ({
    backgroundServiceEvent: e,
  }: {
    backgroundServiceEvent: {
      service: string;
      eventName: string;
      origin: string;
      serviceWorkerRegistrationId: string;
      instanceId: string;
      eventMetadata: { key: string; value: string }[];
    };
  }) => {
    const event: BackgroundServiceEvent = {
      service: e.service,
      eventName: e.eventName,
      origin: e.origin,
      serviceWorkerRegistrationId: e.serviceWorkerRegistrationId,
      instanceId: e.instanceId,
      metadata: Object.fromEntries(e.eventMetadata.map(({ key, value }) => [key, value])),
    };
    recorded.push(event);
    for (const listener of [...listeners]) listener(event);
  };
  cdp.on('BackgroundService.backgroundServiceEventReceived', onEvent);
  for (const service of services) {
    await cdp.send('BackgroundService.startObserving', { service });
    await cdp.send('BackgroundService.setRecording', { service, shouldRecord: true });
  }
  return {
    events: () => [...recorded],
    waitFor(predicate, options = {}) {
      const timeout = options.timeout ?? DEFAULT_SW_TIMEOUT_MS;
      const seen = recorded.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const listener = (event: BackgroundServiceEvent) => {
          if (!predicate(event)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(event);
        };
        const timer = setTimeout(() => {
          listeners.delete(listener);
          const log = recorded.map((e) => `${e.service}: ${e.eventName} ${e.instanceId}`).join('; ');
          reject(new Error(`no matching background service event within ${timeout} ms; recorded: [${log}]`));
        }, timeout);
        listeners.add(listener);
      });
    },
    async stop() {
      cdp.off('BackgroundService.backgroundServiceEventReceived', onEvent);
      for (const service of services) {
        await cdp.send('BackgroundService.setRecording', { service, shouldRecord: false });
        await cdp.send('BackgroundService.stopObserving', { service });
      }
    },
  };
}
