import type { BrowserContext, CDPSession, Page, Worker } from '@playwright/test';
import { controllerWithin } from './in-page.js';

/**
 * How long the service worker helpers wait unless told otherwise. Generous, because a first install on 2 shared
 * cores under load can take several seconds; a passing test only ever waits as long as it really has to.
 */
export const DEFAULT_SW_TIMEOUT_MS = 30_000;

/** Options shared by the waiting helpers. */
export interface WaitOptions {
  /** Milliseconds before giving up with an error that says what was seen. */
  timeout?: number;
}

/**
 * Waits, inside the page, until a service worker controls it; returns the controller's script URL.
 * Rejects after `timeout` ms, with the registration's state in the message.
 *
 * @example
 * ```ts
 * await page.goto(server.url);
 * await waitForController(page);
 * ```
 */
export async function waitForController(page: Page, options: WaitOptions = {}): Promise<string> {
  return page.evaluate(controllerWithin, options.timeout ?? DEFAULT_SW_TIMEOUT_MS);
}

/** Which service worker {@link getServiceWorker} looks for. */
export interface ServiceWorkerQuery extends WaitOptions {
  /** A substring of the worker's script URL; any worker of the context when omitted. */
  urlIncludes?: string;
}

/**
 * Returns a running service worker of the context (Playwright's `Worker`, so `worker.evaluate()` runs code
 * in the worker), waiting for one to start if none is running yet.
 */
export async function getServiceWorker(context: BrowserContext, query: ServiceWorkerQuery = {}): Promise<Worker> {
  const matches = (worker: Worker) => query.urlIncludes === undefined || worker.url().includes(query.urlIncludes);
  const running = context.serviceWorkers().find(matches);
  if (running) return running;
  return context.waitForEvent('serviceworker', {
    predicate: matches,
    timeout: query.timeout ?? DEFAULT_SW_TIMEOUT_MS,
  });
}

/** A service worker registration as the CDP ServiceWorker domain reports it. */
export interface RegistrationInfo {
  registrationId: string;
  scopeURL: string;
  isDeleted: boolean;
}

/** A service worker version (one script of a registration) as the CDP ServiceWorker domain reports it. */
export interface VersionInfo {
  versionId: string;
  registrationId: string;
  scriptURL: string;
  /** `stopped`, `starting`, `running` or `stopping`. */
  runningStatus: string;
  /** `new`, `installing`, `installed`, `activating`, `activated` or `redundant`. */
  status: string;
}

/**
 * The browser's view of every service worker, kept current from a CDP session's ServiceWorker domain.
 * One per session: `ServiceWorker.enable` reports the existing registrations only once per session, so every
 * helper of a session shares the same tracker.
 */
export interface ServiceWorkerTracker {
  registrations(): RegistrationInfo[];
  versions(): VersionInfo[];
  /**
   * Resolves with the first non-undefined value of `probe`, re-evaluated after every update; rejects after
   * `timeout` ms with `what` and the current state in the message.
   */
  waitFor<T>(what: string, probe: (tracker: ServiceWorkerTracker) => T | undefined, options?: WaitOptions): Promise<T>;
}

const trackers = new WeakMap<CDPSession, Promise<ServiceWorkerTracker>>();

/** Returns the session's {@link ServiceWorkerTracker}, enabling the ServiceWorker domain on first use. */
export function trackServiceWorkers(cdp: CDPSession): Promise<ServiceWorkerTracker> {
  let tracker = trackers.get(cdp);
  if (!tracker) {
    tracker = createTracker(cdp);
    trackers.set(cdp, tracker);
  }
  return tracker;
}

async function createTracker(cdp: CDPSession): Promise<ServiceWorkerTracker> {
  const registrations = new Map<string, RegistrationInfo>();
  const versions = new Map<string, VersionInfo>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
    for (const { registrationId, scopeURL, isDeleted } of updated) {
      registrations.set(registrationId, { registrationId, scopeURL, isDeleted });
    }
    changed();
  });
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }) => {
    for (const { versionId, registrationId, scriptURL, runningStatus, status } of updated) {
      versions.set(versionId, { versionId, registrationId, scriptURL, runningStatus, status });
    }
    changed();
  });
  const tracker: ServiceWorkerTracker = {
    registrations: () => [...registrations.values()],
    versions: () => [...versions.values()],
    waitFor(what, probe, options = {}) {
      const timeout = options.timeout ?? DEFAULT_SW_TIMEOUT_MS;
      return new Promise((resolve, reject) => {
        const check = () => {
          const value = probe(tracker);
          if (value === undefined) return false;
          finish();
          resolve(value);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          const state = JSON.stringify({ registrations: tracker.registrations(), versions: tracker.versions() });
          reject(new Error(`timed out after ${timeout} ms waiting for ${what}; service workers: ${state}`));
        }, timeout);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        if (!check()) listeners.add(check);
      });
    },
  };
  await cdp.send('ServiceWorker.enable');
  return tracker;
}

/**
 * The CDP registration id of the live (non-deleted) registration whose scope is `scope`, waiting for it to
 * appear. The dispatch helpers need it.
 *
 * @example
 * ```ts
 * const id = await registrationId(cdp, new URL('/', server.url).href);
 * await dispatchSync(cdp, { origin: server.url, registrationId: id, tag: 'outbox' });
 * ```
 */
export async function registrationId(cdp: CDPSession, scope: string, options: WaitOptions = {}): Promise<string> {
  const scopeURL = new URL(scope).href;
  const tracker = await trackServiceWorkers(cdp);
  return tracker.waitFor(
    `a live registration with scope ${scopeURL}`,
    (t) => t.registrations().find((r) => r.scopeURL === scopeURL && !r.isDeleted)?.registrationId,
    options,
  );
}

/**
 * Stops every service worker of the browser (as the browser does with an idle worker) and resolves once all
 * of them report `stopped`. Whatever a worker kept only in memory is gone afterwards, so a test that reads
 * state after this proves the state was persisted.
 */
export async function stopAllWorkers(cdp: CDPSession, options: WaitOptions = {}): Promise<void> {
  const tracker = await trackServiceWorkers(cdp);
  await cdp.send('ServiceWorker.stopAllWorkers');
  await tracker.waitFor(
    'every service worker to stop',
    (t) => (t.versions().every((v) => v.runningStatus === 'stopped') ? true : undefined),
    options,
  );
}
