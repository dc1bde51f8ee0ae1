import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { becameVisible, browserPeriodicTags, listRequests, publishArticle } from '../fixtures/news/news-app.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';

// Issue 15, "must show" in Firefox, which has no Periodic Background Sync: the fallback refreshes News on launch
// and when a tab becomes visible, at most once per interval however many tabs are open (counted on the
// server), and the switch turns it off and on.

let server: DemoServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  server = await startDemoServer({ env: { NEWS_PUBLISH_EVERY_MS: '0' } });
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

const consoleLog: string[] = [];

test.afterEach(async () => {
  const testInfo = test.info();
  if (testInfo.status !== testInfo.expectedStatus && consoleLog.length > 0) {
    await testInfo.attach('page console', { body: consoleLog.join('\n'), contentType: 'text/plain' });
  }
  consoleLog.length = 0;
});

async function openNews(): Promise<Page> {
  const page = await firefox.browser.newPage();
  page.on('console', (message) => consoleLog.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLog.push(`[pageerror] ${String(error)}`));
  await page.goto(new URL('/news', server.url).href);
  await waitForController(page);
  await page.waitForSelector('[data-testid="view-news"]', { visible: true, timeout: 10_000 });
  return page;
}

const attribute = (page: Page, testId: string, name: string) =>
  page.evaluate(
    (id: string, attr: string) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute(attr) ?? null,
    testId,
    name,
  );

const text = (page: Page, testId: string) =>
  page.evaluate((id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testId);

const articleIds = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="news-item"]')].map((li) => li.getAttribute('data-id')),
  );

/** Moves the durable run record two hours back, as two hours passing would: the next trigger is due. */
const anIntervalPasses = (page: Page) =>
  page.evaluate(async () => {
    const open = indexedDB.open('outpost-periodic');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('runs', 'readwrite');
    const store = tx.objectStore('runs');
    const get = store.get('update-news');
    get.onsuccess = () => store.put({ ...get.result, startedAt: get.result.startedAt - 2 * 3_600_000 });
    await new Promise((resolve) => {
      tx.oncomplete = resolve;
    });
    db.close();
  });

/** Lets a refresh that should not happen reach the server before counting. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

test('the fallback refreshes on launch and on visibility, once per interval across two tabs', async () => {
  const first = await openNews();
  expect(await first.evaluate(browserPeriodicTags)).toBeNull();
  await expect.poll(() => attribute(first, 'news-state', 'data-state')).toBe('unsupported');
  await expect.poll(() => text(first, 'news-tags')).toBe('update-news');
  // On launch: the first refresh.
  await expect.poll(() => articleIds(first)).toEqual(['6', '5', '4', '3', '2', '1']);
  await expect.poll(() => attribute(first, 'news-last-run', 'data-outcome')).toBe('ok');
  expect(await listRequests(server.url)).toBe(1);

  // A second tab's launch and both tabs becoming visible within the interval: nothing.
  const second = await openNews();
  await expect.poll(() => attribute(second, 'news-state', 'data-state')).toBe('unsupported');
  await expect.poll(() => articleIds(second)).toHaveLength(6);
  await Promise.all([first.evaluate(becameVisible), second.evaluate(becameVisible)]);
  await settle();
  expect(await listRequests(server.url)).toBe(1);

  // An interval later both tabs become visible at once: one refresh between them, and both show its article.
  const id = await publishArticle(server.url);
  await anIntervalPasses(first);
  await Promise.all([first.evaluate(becameVisible), second.evaluate(becameVisible)]);
  await expect.poll(() => articleIds(first)).toContain(id);
  await expect.poll(() => articleIds(second)).toContain(id);
  await settle();
  expect(await listRequests(server.url)).toBe(2);
  await second.close();
});

test('the switch off stops the fallback in every tab (getTags empty); on again it is back', async () => {
  const first = await openNews();
  const second = await openNews();
  await expect.poll(() => attribute(second, 'news-state', 'data-state')).toBe('unsupported');

  await first.click('[data-testid="news-background"]');
  await expect.poll(() => attribute(first, 'news-state', 'data-state')).toBe('off');
  await expect.poll(() => text(first, 'news-tags')).toBe('—');
  // The other tab follows.
  await expect.poll(() => attribute(second, 'news-state', 'data-state')).toBe('off');

  const before = await listRequests(server.url);
  await publishArticle(server.url);
  await anIntervalPasses(first);
  await Promise.all([first.evaluate(becameVisible), second.evaluate(becameVisible)]);
  await settle();
  expect(await listRequests(server.url)).toBe(before);

  // On again: the fallback is back and, being due, refreshes at once.
  await first.click('[data-testid="news-background"]');
  await expect.poll(() => attribute(first, 'news-state', 'data-state')).toBe('unsupported');
  await expect.poll(() => text(first, 'news-tags')).toBe('update-news');
  await expect.poll(() => listRequests(server.url)).toBe(before + 1);
  await second.close();
});
