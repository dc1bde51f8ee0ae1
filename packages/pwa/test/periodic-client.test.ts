import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installPeriodic, type PeriodicScope } from '../src/periodic/install.sw.js';
import { createPeriodic, type Periodic } from '../src/periodic/periodic.client.js';
import { claimLease, readRun, releaseLease } from '../src/periodic/store.web.js';
import { InMemoryCacheStorage } from './in-memory-caches.js';

// The page side in Node, on stand-ins for the browser: which state `register` reports for each answer the
// browser can give, and the fallback — a run on register, none again within the interval, none after
// unregister — going through a real worker-side runner (installPeriodic) by postMessage and the channel.
// Without navigator.locks here, the fallback's lock is the IndexedDB lease.

type Listener = Parameters<PeriodicScope['addEventListener']>[1];

/** A worker: installPeriodic on a fake scope whose `message` events come from the page's postMessage. */
function fakeWorker(handler: () => Promise<undefined>) {
  const listeners: Listener[] = [];
  const scope: PeriodicScope = {
    addEventListener: (type, listener) => {
      if (type === 'message') listeners.push(listener);
    },
  };
  installPeriodic(scope, { storage: new InMemoryCacheStorage(), handlers: { [TAG]: handler } });
  return {
    postMessage(data: unknown) {
      for (const listener of listeners) listener({ data, waitUntil: () => undefined });
    },
  };
}

let tagCounter = 0;
let TAG = 'news-0';

interface BrowserAnswers {
  periodicSync: boolean;
  permission: PermissionState | 'throws';
  registerThrows?: boolean;
  appWindow?: boolean;
}

const opened: Periodic[] = [];
const visibility = new EventTarget();

function browser(answers: BrowserAnswers) {
  TAG = `news-${++tagCounter}`;
  let runs = 0;
  const worker = fakeWorker(async () => {
    runs++;
    return undefined;
  });
  const tags = new Set<string>();
  const periodicSync = {
    register: async (tag: string) => {
      if (answers.registerThrows) throw new DOMException('not allowed', 'NotAllowedError');
      tags.add(tag);
    },
    unregister: async (tag: string) => {
      tags.delete(tag);
    },
    getTags: async () => [...tags],
  };
  const registration = { active: worker, ...(answers.periodicSync ? { periodicSync } : {}) };
  vi.stubGlobal('navigator', {
    serviceWorker: { ready: Promise.resolve(registration), getRegistration: async () => registration },
    permissions: {
      query: async () => {
        if (answers.permission === 'throws') throw new TypeError('unknown permission name');
        return { state: answers.permission };
      },
    },
  });
  vi.stubGlobal('document', {
    visibilityState: 'visible',
    addEventListener: (type: string, listener: EventListener) => visibility.addEventListener(type, listener),
    removeEventListener: (type: string, listener: EventListener) => visibility.removeEventListener(type, listener),
  });
  vi.stubGlobal('matchMedia', (query: string) => ({
    matches: query === '(display-mode: browser)' ? !answers.appWindow : false,
  }));
  const periodic = createPeriodic({ readyTimeoutMs: 1_000, runTimeoutMs: 5_000 });
  opened.push(periodic);
  return { periodic, tags, runs: () => runs };
}

afterEach(() => {
  for (const periodic of opened.splice(0)) periodic.close();
  vi.unstubAllGlobals();
});

const becomeVisible = () => visibility.dispatchEvent(new Event('visibilitychange'));
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('createPeriodic: register states', () => {
  it('granted: registered with the browser, no fallback, and one first run', async () => {
    const { periodic, tags, runs } = browser({ periodicSync: true, permission: 'granted' });
    const status = await periodic.register(TAG, { minInterval: 3_600_000 });
    expect(status).toMatchObject({ state: 'registered', permission: 'granted', fallback: false });
    expect([...tags]).toEqual([TAG]);
    expect(await periodic.getTags()).toEqual([TAG]);
    await vi.waitFor(() => expect(runs()).toBe(1));
    becomeVisible();
    await settle();
    expect(runs()).toBe(1);
  });

  it('refused inside an installed app window: denied, with the fallback on', async () => {
    const { periodic } = browser({ periodicSync: true, permission: 'prompt', registerThrows: true, appWindow: true });
    expect(await periodic.register(TAG, { minInterval: 1000 })).toMatchObject({ state: 'denied', fallback: true });
  });

  it('permission denied in a browser tab: not-installed, and a browser registration left over is removed', async () => {
    const { periodic, tags } = browser({ periodicSync: true, permission: 'denied' });
    tags.add(TAG);
    expect(await periodic.register(TAG, { minInterval: 1000 })).toMatchObject({
      state: 'not-installed',
      permission: 'denied',
      fallback: true,
    });
    expect(tags.size).toBe(0);
  });

  it('no periodicSync: unsupported, permission unknown', async () => {
    const { periodic } = browser({ periodicSync: false, permission: 'throws' });
    expect(await periodic.register(TAG, { minInterval: 1000 })).toMatchObject({
      state: 'unsupported',
      permission: 'unknown',
      fallback: true,
    });
  });

  it('refuses a bad tag or interval', async () => {
    const { periodic } = browser({ periodicSync: false, permission: 'throws' });
    await expect(periodic.register('no spaces', { minInterval: 1000 })).rejects.toThrow(TypeError);
    await expect(periodic.register(TAG, { minInterval: -1 })).rejects.toThrow(TypeError);
  });
});

describe('createPeriodic: the fallback', () => {
  it('runs on register, not again within the interval, and never after unregister', async () => {
    const { periodic, runs } = browser({ periodicSync: false, permission: 'throws' });
    const heard: string[] = [];
    periodic.subscribe((change) => heard.push(change.kind));
    await periodic.register(TAG, { minInterval: 3_600_000 });
    await vi.waitFor(() => expect(runs()).toBe(1));
    await vi.waitFor(() => expect(heard).toContain('run'));
    expect((await periodic.lastRun(TAG))?.source).toBe('fallback');

    becomeVisible();
    becomeVisible();
    await settle();
    expect(runs()).toBe(1);
    expect(await periodic.refresh(TAG)).toBeNull();
    expect((await periodic.refresh(TAG, { force: true }))?.outcome).toBe('ok');
    expect(runs()).toBe(2);

    await periodic.unregister(TAG);
    expect(await periodic.getTags()).not.toContain(TAG);
    expect(periodic.status(TAG)).toBeUndefined();
    expect(await periodic.refresh(TAG, { force: true })).toBeNull();
    becomeVisible();
    await settle();
    expect(runs()).toBe(2);
  });

  it('with a zero interval every visibility runs it', async () => {
    const { periodic, runs } = browser({ periodicSync: false, permission: 'throws' });
    await periodic.register(TAG, { minInterval: 0 });
    await vi.waitFor(() => expect(runs()).toBe(1));
    becomeVisible();
    await vi.waitFor(() => expect(runs()).toBe(2));
    expect((await readRun(TAG))?.outcome).toBe('ok');
  });
});

describe('the IndexedDB lease (the lock without Web Locks)', () => {
  it('one owner at a time until it is released or expires', async () => {
    expect(await claimLease('lease-tag', 'tab-a', 1_000, 500)).toBe(true);
    expect(await claimLease('lease-tag', 'tab-b', 1_200, 500)).toBe(false);
    expect(await claimLease('lease-tag', 'tab-b', 1_600, 500)).toBe(true);
    await releaseLease('lease-tag', 'tab-a');
    expect(await claimLease('lease-tag', 'tab-a', 1_700, 500)).toBe(false);
    await releaseLease('lease-tag', 'tab-b');
    expect(await claimLease('lease-tag', 'tab-a', 1_700, 500)).toBe(true);
  });

  it('of two claims at once exactly one wins', async () => {
    const results = await Promise.all([
      claimLease('race-tag', 'tab-a', 5_000, 1_000),
      claimLease('race-tag', 'tab-b', 5_000, 1_000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
