import { test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import {
  audioOffline,
  expirationLimits,
  expirationMaxAge,
  failingAsset,
  firstInstall,
  navigationAndFallbacks,
  openApp,
  type ScenarioPage,
  strategies,
  updateFlow,
} from '../fixtures/caching/scenarios.js';
import { type CachingServer, startCachingServer } from '../fixtures/caching/server.js';
import { type LaunchedFirefox, launchFirefox } from '../harness/firefox.js';

// Issue 5, "must show", in Firefox: the same steps as caching.chromium.spec.ts, on one Firefox profile.
test.describe.configure({ mode: 'serial' });

let server: CachingServer;
let firefox: LaunchedFirefox;
let page: Page;

test.beforeAll(async () => {
  [server, firefox] = await Promise.all([startCachingServer(), launchFirefox()]);
});

test.beforeEach(async () => {
  page = await firefox.browser.newPage();
});

test.afterEach(async () => {
  await page?.close().catch(() => undefined);
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.stop();
});

function adapt(tab: Page): ScenarioPage {
  return {
    goto: async (url) => {
      await tab.goto(url);
    },
    reload: async () => {
      await tab.reload();
    },
    run: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      tab.evaluate(fn as (arg: unknown) => Promise<Awaited<R>>, arg) as Promise<R>,
  };
}

test('precache installs on the first visit and the page hears "offline ready"', async () => {
  await firstInstall(adapt(page), server);
});

test('each strategy online, on a slow network and offline', async () => {
  await openApp(adapt(page), server);
  await strategies(adapt(page), server);
});

test('expiration keeps a cache to maxEntries', async () => {
  await openApp(adapt(page), server);
  await expirationLimits(adapt(page));
});

test('expiration refetches and evicts entries older than maxAgeSeconds', async () => {
  await openApp(adapt(page), server);
  await expirationMaxAge(adapt(page));
});

test('navigations use navigation preload; offline page and image fallbacks', async () => {
  await openApp(adapt(page), server);
  await navigationAndFallbacks(adapt(page), server, { expectPreload: true });
});

test('an audio file plays from the cache offline and seeks into its middle (206)', async () => {
  await openApp(adapt(page), server);
  await audioOffline(adapt(page), server);
});

test('update: available, applied on request, one reload, old precache removed', async () => {
  await openApp(adapt(page), server);
  await updateFlow(adapt(page), server);
});

test('a failing asset fails the new version, the page learns why, the old version keeps serving', async () => {
  await openApp(adapt(page), server);
  await failingAsset(adapt(page), server);
});
