import type { Page } from '@playwright/test';
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
import { test } from '../harness/chromium.js';

// Issue 5, "must show", in Chromium: the caching toolkit in a worker bundled from our TypeScript sources.
// The tests share the file's profile and one server, in order: each starts from the state the previous left.
test.describe.configure({ mode: 'serial' });

let server: CachingServer;

test.beforeAll(async () => {
  server = await startCachingServer();
});

test.afterAll(async () => {
  await server?.stop();
});

function adapt(page: Page): ScenarioPage {
  return {
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    // Playwright types page functions with its own unboxing of handles; plain data passes through unchanged.
    run: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as Parameters<Page['evaluate']>[0], arg) as Promise<R>,
  };
}

test('precache installs on the first visit and the page hears "offline ready"', async ({ page }) => {
  await firstInstall(adapt(page), server);
});

test('each strategy online, on a slow network and offline', async ({ page }) => {
  await openApp(adapt(page), server);
  await strategies(adapt(page), server);
});

test('expiration keeps a cache to maxEntries', async ({ page }) => {
  await openApp(adapt(page), server);
  await expirationLimits(adapt(page));
});

test('expiration refetches and evicts entries older than maxAgeSeconds', async ({ page }) => {
  await openApp(adapt(page), server);
  await expirationMaxAge(adapt(page));
});

test('navigations use navigation preload; offline page and image fallbacks', async ({ page }) => {
  await openApp(adapt(page), server);
  await navigationAndFallbacks(adapt(page), server, { expectPreload: true });
});

test('an audio file plays from the cache offline and seeks into its middle (206)', async ({ page }) => {
  await openApp(adapt(page), server);
  await audioOffline(adapt(page), server);
});

test('update: available, applied on request, one reload, old precache removed', async ({ page }) => {
  await openApp(adapt(page), server);
  await updateFlow(adapt(page), server);
});

test('a failing asset fails the new version, the page learns why, the old version keeps serving', async ({ page }) => {
  await openApp(adapt(page), server);
  await failingAsset(adapt(page), server);
});
