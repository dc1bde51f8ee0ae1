import { afterEach, describe, expect, it, vi } from 'vitest';
import { register, ServiceWorkerUnsupportedError } from '../src/lifecycle/register.client.js';

// Minimal stand-ins for the ServiceWorker objects register() talks to, driven step by step by each test.
class FakeWorker extends EventTarget {
  readonly messages: unknown[] = [];
  constructor(public state: ServiceWorkerState) {
    super();
  }
  postMessage(message: unknown): void {
    this.messages.push(message);
  }
  become(state: ServiceWorkerState): void {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

class FakeRegistration extends EventTarget {
  installing: FakeWorker | null = null;
  waiting: FakeWorker | null = null;
  active: FakeWorker | null = null;
  startUpdate(worker: FakeWorker): void {
    this.installing = worker;
    this.dispatchEvent(new Event('updatefound'));
  }
}

class FakeContainer extends EventTarget {
  readonly calls: unknown[][] = [];
  failWith: Error | undefined;
  constructor(
    public controller: FakeWorker | null,
    readonly registration: FakeRegistration,
  ) {
    super();
  }
  async register(url: string, options: unknown): Promise<FakeRegistration> {
    this.calls.push([url, options]);
    if (this.failWith) throw this.failWith;
    return this.registration;
  }
  get ready(): Promise<FakeRegistration> {
    return Promise.resolve(this.registration);
  }
  takeControl(worker: FakeWorker): void {
    this.controller = worker;
    this.dispatchEvent(new Event('controllerchange'));
  }
}

const asContainer = (fake: FakeContainer) => fake as unknown as ServiceWorkerContainer;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('register', () => {
  it('first install: registers with the given options, reports offline ready once, resolves ready on control', async () => {
    const registration = new FakeRegistration();
    const worker = new FakeWorker('installing');
    registration.installing = worker;
    const container = new FakeContainer(null, registration);
    const handle = register('/sw.js', { scope: '/', type: 'classic', container: asContainer(container) });
    const offline = vi.fn();
    const update = vi.fn();
    handle.onOfflineReady(offline);
    handle.onUpdateAvailable(update);
    await settle();
    expect(container.calls).toEqual([['/sw.js', { scope: '/', type: 'classic' }]]);

    worker.become('installed');
    worker.become('activating');
    expect(offline).not.toHaveBeenCalled();
    worker.become('activated');
    expect(offline).toHaveBeenCalledTimes(1);
    expect(update).not.toHaveBeenCalled();

    let ready: unknown;
    void handle.ready.then((r) => {
      ready = r;
    });
    await settle();
    expect(ready).toBeUndefined();
    container.takeControl(worker);
    await settle();
    expect(ready).toBe(registration);

    const late = vi.fn();
    handle.onOfflineReady(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('update: reports the installed new version, and applyUpdate activates it and reloads once', async () => {
    const reload = vi.fn();
    vi.stubGlobal('location', { reload });
    const registration = new FakeRegistration();
    const old = new FakeWorker('activated');
    registration.active = old;
    const container = new FakeContainer(old, registration);
    const handle = register('/sw.js', { container: asContainer(container) });
    const update = vi.fn();
    const offline = vi.fn();
    handle.onUpdateAvailable(update);
    handle.onOfflineReady(offline);
    await expect(handle.ready).resolves.toBe(registration);

    const next = new FakeWorker('installing');
    registration.startUpdate(next);
    next.become('installed');
    registration.installing = null;
    registration.waiting = next;
    expect(update).toHaveBeenCalledWith(next);

    handle.applyUpdate();
    expect(next.messages).toEqual([{ type: 'outpost:skip-waiting' }]);
    next.become('activated');
    container.takeControl(next);
    container.takeControl(next);
    expect(reload).toHaveBeenCalledTimes(1);
    expect(offline).not.toHaveBeenCalled();
  });

  it('reports a version already waiting when the page loads', async () => {
    const registration = new FakeRegistration();
    const old = new FakeWorker('activated');
    registration.waiting = new FakeWorker('installed');
    const handle = register('/sw.js', { container: asContainer(new FakeContainer(old, registration)) });
    await settle();
    const late = vi.fn();
    handle.onUpdateAvailable(late);
    expect(late).toHaveBeenCalledWith(registration.waiting);
  });

  it('applyUpdate does nothing without a waiting version', async () => {
    const reload = vi.fn();
    vi.stubGlobal('location', { reload });
    const container = new FakeContainer(new FakeWorker('activated'), new FakeRegistration());
    const handle = register('/sw.js', { container: asContainer(container) });
    await settle();
    handle.applyUpdate();
    container.takeControl(new FakeWorker('activated'));
    expect(reload).not.toHaveBeenCalled();
  });

  it('rejects ready with the registration error', async () => {
    const container = new FakeContainer(null, new FakeRegistration());
    container.failWith = new TypeError('bad script');
    await expect(register('/sw.js', { container: asContainer(container) }).ready).rejects.toThrow('bad script');
  });

  it('rejects ready where service workers do not exist', async () => {
    vi.stubGlobal('navigator', {});
    const handle = register('/sw.js');
    await expect(handle.ready).rejects.toBeInstanceOf(ServiceWorkerUnsupportedError);
    expect(() => handle.applyUpdate()).not.toThrow();
  });
});
