import type { CDPSession, Page } from '@playwright/test';
import {
  becameVisible,
  browserPeriodicTags,
  imageLoaded,
  listRequests,
  publishArticle,
} from '../fixtures/news/news-app.js';
import { expect, test } from '../harness/chromium.js';
import { dispatchPeriodicSync } from '../harness/dispatch.js';
import { grantAll } from '../harness/permissions.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';
import { registrationId, waitForController } from '../harness/sw.js';

// Issue 15, "must show" in Chromium: Periodic Background Sync refreshes News (granted over CDP, fired over CDP,
// since Chromium never fires it by itself in a test); the new article and its picture read offline; a denied
// permission says so and the fallback refreshes on visibility instead; the switch unregisters; a refresh over
// its budget is recorded as timed out and leaves the previous articles readable.

const TAG = 'update-news';
let server: DemoServer;

test.beforeAll(async () => {
  // No timed publishing: every new article in these tests is one the test published.
  server = await startDemoServer({ env: { NEWS_PUBLISH_EVERY_MS: '0' } });
});

test.afterAll(async () => {
  await server?.close();
});

async function openNews(page: Page): Promise<void> {
  await page.goto(new URL('/news', server.url).href);
  await waitForController(page);
  await expect(page.getByTestId('view-news')).toBeVisible();
}

const item = (page: Page, id: string) => page.locator(`[data-testid="news-item"][data-id="${id}"]`);

async function firePeriodicSync(cdp: CDPSession): Promise<void> {
  const id = await registrationId(cdp, server.url);
  await dispatchPeriodicSync(cdp, { origin: server.url, registrationId: id, tag: TAG });
}

test('granted: registered; a published article arrives by periodicsync and reads offline, picture included', async ({
  page,
  context,
  cdp,
}) => {
  await grantAll(cdp, server.url, ['backgroundSync', 'periodicBackgroundSync']);
  await openNews(page);
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'registered');
  await expect(page.getByTestId('news-tags')).toHaveText(TAG);
  expect(await page.evaluate(browserPeriodicTags)).toEqual([TAG]);
  // The first run, so there is news before the browser's first periodic run (about 12 hours away).
  await expect(page.getByTestId('news-item')).toHaveCount(6);

  const id = await publishArticle(server.url);
  await expect(item(page, id)).toHaveCount(0);
  await firePeriodicSync(cdp);
  await expect(item(page, id)).toBeVisible();
  await expect(page.getByTestId('news-last-run')).toHaveAttribute('data-outcome', 'ok');
  await expect(page.getByTestId('news-last-run')).toHaveAttribute('data-source', 'periodicsync');
  await expect(page.getByTestId('news-updated')).toHaveText(/^Updated (just now|\d+ minutes? ago)\.$/);
  const cached = await page.evaluate(
    async (articleId) => (await caches.match(`/api/news/articles/${articleId}`))?.status ?? null,
    id,
  );
  expect(cached).toBe(200);

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(item(page, id)).toBeVisible();
    await item(page, id).getByTestId('news-read').click();
    await expect(item(page, id).getByTestId('news-body')).toContainText(`Story ${id}`);
    await expect.poll(() => page.evaluate(imageLoaded, id)).toBe(true);
  } finally {
    await context.setOffline(false);
  }
});

test('the switch off unregisters (getTags empty) and refreshes nothing on visibility; on again: registered', async ({
  page,
  cdp,
}) => {
  // A permission granted over CDP lasts as long as the session that granted it: grant it again per test.
  await grantAll(cdp, server.url, ['backgroundSync', 'periodicBackgroundSync']);
  await openNews(page);
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'registered');
  await page.getByTestId('news-background').uncheck();
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'off');
  await expect(page.getByTestId('news-tags')).toHaveText('—');
  expect(await page.evaluate(browserPeriodicTags)).toEqual([]);

  const before = await listRequests(server.url);
  await page.evaluate(becameVisible);
  await page.reload();
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'off');
  await page.evaluate(becameVisible);
  // Give a refresh that should not happen time to reach the server.
  await page.waitForTimeout(1_000);
  expect(await listRequests(server.url)).toBe(before);

  await page.getByTestId('news-background').check();
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'registered');
  await expect(page.getByTestId('news-tags')).toHaveText(TAG);
});

test('denied: the state says so and the fallback refreshes on visibility, once per interval', async ({ page, cdp }) => {
  // Everything but periodic sync granted: Browser.grantPermissions denies what it does not list.
  await grantAll(cdp, server.url, ['backgroundSync']);
  await openNews(page);
  // A browser tab, where Chromium grants the permission only to installed apps: the likely cure is installing.
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'not-installed');
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-permission', 'denied');
  await expect(page.getByTestId('news-state')).toHaveText(/Install the app to refresh news in the background/);
  expect(await page.evaluate(browserPeriodicTags)).toEqual([]);
  // The switch is still on: the fallback keeps the tag.
  await expect(page.getByTestId('news-tags')).toHaveText(TAG);

  // The last run (an earlier test's) is less than the hour's interval old, so the launch did not refresh. Move
  // the durable run record two hours back, as two hours passing would, to make the next visibility due.
  const id = await publishArticle(server.url);
  await page.evaluate(async () => {
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
  const before = await listRequests(server.url);
  await page.evaluate(becameVisible);
  await expect(item(page, id)).toBeVisible();
  await expect(page.getByTestId('news-last-run')).toHaveAttribute('data-outcome', 'ok');
  await expect(page.getByTestId('news-last-run')).toHaveAttribute('data-source', 'fallback');
  expect(await listRequests(server.url)).toBe(before + 1);

  // Visible again within the interval: nothing.
  await page.evaluate(becameVisible);
  await page.waitForTimeout(1_000);
  expect(await listRequests(server.url)).toBe(before + 1);
});

test('a refresh over its budget ends timed out and the previous articles still read', async ({ page, cdp }) => {
  await grantAll(cdp, server.url, ['backgroundSync', 'periodicBackgroundSync']);
  await openNews(page);
  await expect(page.getByTestId('news-state')).toHaveAttribute('data-state', 'registered');
  const count = await page.getByTestId('news-item').count();
  const previous = await page.getByTestId('news-item').first().getAttribute('data-id');
  expect(previous).not.toBeNull();

  // Its picture answers after 60 s; the refresh's budget is 10 s.
  const slow = await publishArticle(server.url, 60_000);
  await firePeriodicSync(cdp);
  await expect(page.getByTestId('news-last-run')).toHaveAttribute('data-outcome', 'timed-out', { timeout: 30_000 });
  await expect(page.getByTestId('news-last-outcome')).toHaveText('The last refresh took too long and was stopped.');
  // Nothing of the stopped run was committed: not the list, not the article.
  await expect(page.getByTestId('news-item')).toHaveCount(count);
  await expect(item(page, slow)).toHaveCount(0);
  expect(await page.evaluate(async (id) => (await caches.match(`/api/news/articles/${id}`)) ?? null, slow)).toBeNull();
  await item(page, String(previous)).getByTestId('news-read').click();
  await expect(item(page, String(previous)).getByTestId('news-body')).toContainText(`Story ${previous}`);
});
