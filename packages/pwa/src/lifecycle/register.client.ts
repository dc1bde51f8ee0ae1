import type { LifecycleMessage } from './messages.js';

/** Options for {@link register}; they are passed to `navigator.serviceWorker.register`. */
export interface RegisterOptions {
  scope?: string;
  /** `classic` for an IIFE bundle (what `@outpost/pwa/vite` builds by default), `module` for an ES bundle. */
  type?: WorkerType;
  updateViaCache?: ServiceWorkerUpdateViaCache;
  /** Defaults to `navigator.serviceWorker`; tests pass their own. */
  container?: ServiceWorkerContainer;
}

/** Thrown (through {@link ServiceWorkerHandle.ready}) where service workers are unavailable. */
export class ServiceWorkerUnsupportedError extends Error {
  override readonly name = 'ServiceWorkerUnsupportedError';
  constructor() {
    super('service workers are not available here (they need a secure context: https or localhost)');
  }
}

/** What {@link register} returns. Subscriptions return a function that unsubscribes. */
export interface ServiceWorkerHandle {
  /** Resolves with the registration once a service worker controls this page. */
  ready: Promise<ServiceWorkerRegistration>;
  /**
   * Called once, after the first install activated: the app now works offline. A listener added after that
   * moment is called straight away.
   */
  onOfflineReady(listener: () => void): () => void;
  /**
   * Called when a new version is installed and waiting while an older one controls the page. A listener added
   * while a version is waiting is called straight away. Show "Update available" and call {@link applyUpdate}.
   */
  onUpdateAvailable(listener: (waiting: ServiceWorker) => void): () => void;
  /**
   * Activates the waiting version and reloads this page once it takes control. Does nothing when no version is
   * waiting. Call it when the user asks, never in the middle of a task.
   */
  applyUpdate(): void;
}

/**
 * Registers a service worker and reports its lifecycle in the terms an app cares about.
 *
 * @example
 * ```ts
 * import { register } from '@outpost/pwa/client';
 * const sw = register('/sw.js', { scope: '/' });
 * sw.onOfflineReady(() => toast('Ready to work offline'));
 * sw.onUpdateAvailable(() => showUpdateButton(() => sw.applyUpdate()));
 * await sw.ready;
 * ```
 */
export function register(scriptUrl: string | URL, options: RegisterOptions = {}): ServiceWorkerHandle {
  const container = options.container ?? (globalThis.navigator?.serviceWorker as ServiceWorkerContainer | undefined);
  const offlineReady = new Signal<void>();
  const updateAvailable = new Signal<ServiceWorker>();
  let registration: ServiceWorkerRegistration | undefined;
  let reloading = false;
  let registrationFailed: (error: unknown) => void = () => undefined;

  const handle: ServiceWorkerHandle = {
    ready: container
      ? Promise.race([
          whenControlled(container),
          new Promise<never>((_, reject) => {
            registrationFailed = reject;
          }),
        ])
      : Promise.reject(new ServiceWorkerUnsupportedError()),
    onOfflineReady: (listener) => offlineReady.subscribe(listener),
    onUpdateAvailable: (listener) => updateAvailable.subscribe(listener),
    applyUpdate() {
      const waiting = registration?.waiting;
      if (!container || !waiting) return;
      container.addEventListener('controllerchange', () => {
        // One reload per page, however many controller changes follow: no reload loops.
        if (reloading) return;
        reloading = true;
        globalThis.location.reload();
      });
      const message: LifecycleMessage = { type: 'outpost:skip-waiting' };
      waiting.postMessage(message);
    },
  };
  if (!container) return handle;

  const { container: _ignored, ...registerOptions } = options;
  // A page that loads with no controller is on its first install (or after a hard reload); only then is
  // "offline ready" news. With a controller, a newly installed worker is an update.
  const hadController = container.controller !== null;
  container.register(scriptUrl, registerOptions).then((reg) => {
    registration = reg;
    if (reg.waiting && container.controller) updateAvailable.emit(reg.waiting);
    if (reg.installing) track(reg.installing);
    reg.addEventListener('updatefound', () => {
      if (reg.installing) track(reg.installing);
    });
  }, registrationFailed);
  return handle;

  function track(worker: ServiceWorker): void {
    const onState = (): void => {
      if (worker.state === 'installed' && container?.controller) {
        updateAvailable.emit(worker);
      } else if (worker.state === 'activated' && !hadController) {
        offlineReady.emit();
      }
      if (worker.state === 'activated' || worker.state === 'redundant')
        worker.removeEventListener('statechange', onState);
    };
    worker.addEventListener('statechange', onState);
  }
}

function whenControlled(container: ServiceWorkerContainer): Promise<ServiceWorkerRegistration> {
  return new Promise((resolve) => {
    const settle = (): void => {
      if (!container.controller) return;
      container.removeEventListener('controllerchange', settle);
      // `ready` resolves with the active registration for this page's scope.
      void container.ready.then(resolve);
    };
    container.addEventListener('controllerchange', settle);
    settle();
  });
}

/** A tiny one-shot-per-value signal: remembers the last value so late listeners still hear it. */
class Signal<T> {
  private listeners = new Set<(value: T) => void>();
  private last: { value: T } | undefined;

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    if (this.last) listener(this.last.value);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    this.last = { value };
    for (const listener of this.listeners) listener(value);
  }
}
