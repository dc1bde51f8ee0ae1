import type { Page } from '@playwright/test';
import {
  apiStaleWhileRevalidate,
  firstVisit,
  imagesCacheFirst,
  offlineAndBack,
  type ScenarioPage,
} from '../fixtures/wiring/scenarios.js';
import { startWiringServer, type WiringServer } from '../fixtures/wiring/server.js';
import { test } from '../harness/chromium.js';

// Issue 10, "must show", in Chromium: precacheAndRoute and runtime routes on one router, in a two-page app with
// no SPA fallback. The tests share the file's profile and one server, in order.
test.describe.configure({ mode: 'serial' });

let server: WiringServer;

test.beforeAll(async () => {
  server = await startWiringServer();
});

test.afterAll(async () => {
  await server?.stop();
});

function adapt(page: Page): ScenarioPage {
  return {
    async navigate(url) {
      try {
        const response = await page.goto(url);
        return response?.status() ?? 'failed';
      } catch {
        // The failed navigation commits chrome-error:// after goto has already rejected: wait for that commit,
        // or it interrupts the next step's navigation (docs/testing.md).
        await page.waitForURL(/^chrome-error:/, { timeout: 5_000 }).catch(() => undefined);
        await page.waitForLoadState();
        return 'failed';
      }
    },
    // Playwright types page functions with its own unboxing of handles; plain data passes through unchanged.
    run: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as Parameters<Page['evaluate']>[0], arg) as Promise<R>,
  };
}

test('first visit: both pages precached, the image through its runtime route', async ({ page }) => {
  await firstVisit(adapt(page), server);
});

test('images are cache first: the second request never reaches the server', async ({ page }) => {
  await imagesCacheFirst(adapt(page), server);
});

test('the API is stale-while-revalidate: the cached copy at once, the refreshed one next time', async ({ page }) => {
  await apiStaleWhileRevalidate(adapt(page), server);
});

test('offline: both pages, the image and the API work, an unknown page gets no fallback', async ({ page }) => {
  await offlineAndBack(adapt(page), server);
});
