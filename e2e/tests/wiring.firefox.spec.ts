import { test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import {
  apiStaleWhileRevalidate,
  firstVisit,
  imagesCacheFirst,
  offlineAndBack,
  type ScenarioPage,
} from '../fixtures/wiring/scenarios.js';
import { startWiringServer, type WiringServer } from '../fixtures/wiring/server.js';
import { type LaunchedFirefox, launchFirefox } from '../harness/firefox.js';

// Issue 10, "must show", in Firefox: the same steps as wiring.chromium.spec.ts, on one Firefox profile.
test.describe.configure({ mode: 'serial' });

let server: WiringServer;
let firefox: LaunchedFirefox;
let page: Page;

test.beforeAll(async () => {
  [server, firefox] = await Promise.all([startWiringServer(), launchFirefox()]);
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
    async navigate(url) {
      try {
        const response = await tab.goto(url);
        return response?.status() ?? 'failed';
      } catch {
        // As in Chromium: the failed navigation commits about:neterror after goto has already rejected; wait for
        // that commit, or it can interrupt the next step's navigation (seen once in a full run under load).
        for (const deadline = Date.now() + 5_000; Date.now() < deadline && !tab.url().startsWith('about:neterror'); ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return 'failed';
      }
    },
    run: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      tab.evaluate(fn as (arg: unknown) => Promise<Awaited<R>>, arg) as Promise<R>,
  };
}

test('first visit: both pages precached, the image through its runtime route', async () => {
  await firstVisit(adapt(page), server);
});

test('images are cache first: the second request never reaches the server', async () => {
  await imagesCacheFirst(adapt(page), server);
});

test('the API is stale-while-revalidate: the cached copy at once, the refreshed one next time', async () => {
  await apiStaleWhileRevalidate(adapt(page), server);
});

test('offline: both pages, the image and the API work, an unknown page gets no fallback', async () => {
  await offlineAndBack(adapt(page), server);
});
