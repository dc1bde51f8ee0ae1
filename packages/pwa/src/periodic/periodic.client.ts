import { openChannel } from '../channel.web.js';
import { withTagLock } from './lock.web.js';
import { isPeriodicMessage, PERIODIC_CHANNEL, type PeriodicMessage } from './messages.js';
import { isDue, isValidTag, type PeriodicRunRecord } from './record.js';
import { deleteRegistration, readRegistration, readRegistrations, readRun, saveRegistration } from './store.web.js';

/**
 * What `register` achieved for a tag:
 * - `registered`: the browser runs it with Periodic Background Sync (Chromium, installed app, permission granted);
 * - `denied`: the browser has the API but refused (the user or the browser turned it off for this site);
 * - `not-installed`: refused while the page runs in a browser tab: Chromium grants the permission only to
 *   installed apps, so installing is the likely cure (an installed app opened in a tab reports this too);
 * - `unsupported`: no Periodic Background Sync here (Firefox, Safari) or no service worker.
 * Every state but `registered` runs the fallback when it is on.
 */
export type PeriodicState = 'registered' | 'denied' | 'not-installed' | 'unsupported';

/** A registered tag's state. */
export interface PeriodicStatus {
  tag: string;
  state: PeriodicState;
  /** The `periodic-background-sync` permission as the browser reported it; `unknown` where it has no such name. */
  permission: PermissionState | 'unknown';
  /** Whether this page refreshes the tag on launch and when it becomes visible. */
  fallback: boolean;
  minIntervalMs: number;
}

/** What a {@link Periodic} listener hears. */
export type PeriodicChange =
  | { kind: 'status'; status: PeriodicStatus }
  | { kind: 'unregistered'; tag: string }
  | { kind: 'run'; record: PeriodicRunRecord };

/** Options of {@link createPeriodic}. */
export interface PeriodicOptions {
  /** Refresh on launch and on visibility where Periodic Background Sync is missing or refused. Default true. */
  fallback?: boolean;
  /** After a run that failed or timed out, the fallback tries again this soon (capped by the interval). Default 60 s. */
  retryAfterMs?: number;
  /** How long a page waits for the worker's answer to a run it asked for. Default 120 s. */
  runTimeoutMs?: number;
  /** How long `register` waits for an active service worker. Default 10 s. */
  readyTimeoutMs?: number;
}

/** Options of {@link Periodic.register}. */
export interface PeriodicRegisterOptions {
  /** The shortest time between two runs, in ms: asked of the browser, and kept by the fallback across tabs. */
  minInterval: number;
}

/** The page side of periodic refresh. */
export interface Periodic {
  /** Registers `tag` with the browser where it can, starts the fallback where it cannot; says which happened. */
  register(tag: string, options: PeriodicRegisterOptions): Promise<PeriodicStatus>;
  /** Unregisters `tag` from the browser and stops its fallback in every tab. */
  unregister(tag: string): Promise<void>;
  /** Registered tags: the browser's periodic sync tags and the fallback's. */
  getTags(): Promise<string[]>;
  /** The tag's state in this page, once `register` answered. */
  status(tag: string): PeriodicStatus | undefined;
  /** The tag's last run, from the durable record, whoever ran it. */
  lastRun(tag: string): Promise<PeriodicRunRecord | undefined>;
  /**
   * Asks the worker to run `tag` now if it is due (always with `force`), holding the tag's lock across tabs.
   * Resolves with the run's record, or null when it was not due, not registered, or another tab held the lease.
   */
  refresh(tag: string, options?: { force?: boolean }): Promise<PeriodicRunRecord | null>;
  /** Calls `listener` on every status change and every finished run; returns the unsubscribe. */
  subscribe(listener: (change: PeriodicChange) => void): () => void;
  /** Stops the fallback in this page and closes the channel. */
  close(): void;
}

interface PeriodicSyncManager {
  register(tag: string, options?: { minInterval?: number }): Promise<void>;
  unregister(tag: string): Promise<void>;
  getTags(): Promise<string[]>;
}

type PeriodicCapableRegistration = ServiceWorkerRegistration & { periodicSync?: PeriodicSyncManager };

const PERMISSION = 'periodic-background-sync' as PermissionName;

/**
 * Periodic refresh for a page.
 *
 * @example
 * ```ts
 * const periodic = createPeriodic();
 * const status = await periodic.register('update-news', { minInterval: 60 * 60_000 });
 * status.state;    // 'registered' | 'denied' | 'not-installed' | 'unsupported'
 * periodic.subscribe((change) => { if (change.kind === 'run') rerender(); });
 * await periodic.unregister('update-news'); // the user turned background refresh off
 * ```
 */
export function createPeriodic(options: PeriodicOptions = {}): Periodic {
  const fallbackOn = options.fallback ?? true;
  const retryAfterMs = options.retryAfterMs ?? 60_000;
  const runTimeoutMs = options.runTimeoutMs ?? 120_000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const channel = openChannel(PERIODIC_CHANNEL, isPeriodicMessage);
  const statuses = new Map<string, PeriodicStatus>();
  const listeners = new Set<(change: PeriodicChange) => void>();
  const emit = (change: PeriodicChange) => {
    for (const listener of [...listeners]) listener(change);
  };

  const askWorker = async (tag: string): Promise<PeriodicRunRecord> => {
    const registration = await readyRegistration(readyTimeoutMs);
    const worker = registration?.active;
    if (!worker) throw new Error('no active service worker to run the periodic handler');
    const requestId = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`the service worker did not answer within ${runTimeoutMs} ms`));
      }, runTimeoutMs);
      const stop = channel.subscribe((message) => {
        if (message.type !== 'outpost:periodic-ran' || message.requestId !== requestId) return;
        clearTimeout(timer);
        stop();
        resolve(message.record);
      });
      const ask: PeriodicMessage = { type: 'outpost:periodic-run', tag, requestId };
      // postMessage, not the channel: it wakes a stopped worker; the answer comes on the channel.
      worker.postMessage(ask);
    });
  };

  const refresh = (tag: string, force = false): Promise<PeriodicRunRecord | null> =>
    withTagLock(tag, runTimeoutMs, async () => {
      // Read under the lock: the tab that held it before has recorded its run (or unregistered the tag).
      const registration = await readRegistration(tag);
      if (!registration) return null;
      if (!force && !isDue(await readRun(tag), Date.now(), registration.minIntervalMs, retryAfterMs)) return null;
      return askWorker(tag);
    });

  const refreshInBackground = (tag: string) => {
    refresh(tag).catch((error: unknown) => console.warn(`periodic refresh of ${tag} failed:`, error));
  };

  /** Works out the tag's state (registering it with the browser when it can) and starts its fallback. */
  const apply = async (tag: string, minIntervalMs: number): Promise<PeriodicStatus> => {
    const { state, permission } = await registerWithBrowser(tag, minIntervalMs, readyTimeoutMs);
    const status: PeriodicStatus = {
      tag,
      state,
      permission,
      fallback: fallbackOn && state !== 'registered',
      minIntervalMs,
    };
    statuses.set(tag, status);
    emit({ kind: 'status', status });
    // The fallback's launch refresh; with periodic sync, a first run so there is content before the browser's.
    if (status.fallback || (state === 'registered' && !(await readRun(tag)))) refreshInBackground(tag);
    return status;
  };

  const forget = (tag: string) => {
    if (statuses.delete(tag)) emit({ kind: 'unregistered', tag });
  };

  const onVisible = () => {
    if (document.visibilityState !== 'visible') return;
    for (const status of statuses.values()) if (status.fallback) refreshInBackground(status.tag);
  };
  document.addEventListener('visibilitychange', onVisible);

  const stopListening = channel.subscribe((message) => {
    if (message.type === 'outpost:periodic-ran') {
      emit({ kind: 'run', record: message.record });
      return;
    }
    if (message.type !== 'outpost:periodic-changed') return;
    // Another tab registered or unregistered the tag: follow it, without announcing back.
    void readRegistration(message.tag).then(async (registration) => {
      if (!registration) forget(message.tag);
      else await apply(message.tag, registration.minIntervalMs);
    });
  });

  return {
    async register(tag, { minInterval }) {
      if (!isValidTag(tag)) throw new TypeError(`tag must be 1-64 of [A-Za-z0-9._:-], got ${JSON.stringify(tag)}`);
      if (!Number.isFinite(minInterval) || minInterval < 0) {
        throw new TypeError(`minInterval must be a non-negative number of ms, got ${minInterval}`);
      }
      await saveRegistration({ tag, minIntervalMs: minInterval });
      const status = await apply(tag, minInterval);
      channel.post({ type: 'outpost:periodic-changed', tag });
      return status;
    },
    async unregister(tag) {
      await deleteRegistration(tag);
      forget(tag);
      const registration = await currentRegistration();
      await registration?.periodicSync?.unregister(tag).catch(() => undefined);
      channel.post({ type: 'outpost:periodic-changed', tag });
    },
    async getTags() {
      const registration = await currentRegistration();
      const browserTags = (await registration?.periodicSync?.getTags().catch(() => [])) ?? [];
      const fallbackTags = (await readRegistrations()).map((r) => r.tag);
      return [...new Set([...browserTags, ...fallbackTags])].sort();
    },
    status: (tag) => statuses.get(tag),
    lastRun: (tag) => readRun(tag),
    refresh: (tag, { force = false } = {}) => refresh(tag, force),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      document.removeEventListener('visibilitychange', onVisible);
      stopListening();
      channel.close();
      statuses.clear();
    },
  };
}

async function currentRegistration(): Promise<PeriodicCapableRegistration | undefined> {
  return navigator.serviceWorker?.getRegistration();
}

/** The registration once it has an active worker, or undefined after `timeoutMs` or without service workers. */
async function readyRegistration(timeoutMs: number): Promise<PeriodicCapableRegistration | undefined> {
  if (!navigator.serviceWorker) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([navigator.serviceWorker.ready, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function queryPermission(): Promise<PermissionState | 'unknown'> {
  try {
    return (await navigator.permissions.query({ name: PERMISSION })).state;
  } catch {
    // Firefox and Safari do not know the name.
    return 'unknown';
  }
}

/** Whether the page runs in an installed app's window rather than a browser tab. */
function inAppWindow(): boolean {
  return typeof matchMedia === 'function' && !matchMedia('(display-mode: browser)').matches;
}

async function registerWithBrowser(
  tag: string,
  minInterval: number,
  readyTimeoutMs: number,
): Promise<{ state: PeriodicState; permission: PermissionState | 'unknown' }> {
  const registration = await readyRegistration(readyTimeoutMs);
  if (!registration?.periodicSync) return { state: 'unsupported', permission: await queryPermission() };
  const refused = (): PeriodicState => (inAppWindow() ? 'denied' : 'not-installed');
  const permission = await queryPermission();
  if (permission === 'denied') {
    // A registration made while it was granted would never fire now: drop it, so getTags tells the truth.
    await registration.periodicSync.unregister(tag).catch(() => undefined);
    return { state: refused(), permission };
  }
  try {
    await registration.periodicSync.register(tag, { minInterval });
    return { state: 'registered', permission };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotAllowedError') return { state: refused(), permission };
    throw error;
  }
}
