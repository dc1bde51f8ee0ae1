import { expect, test } from '../harness/chromium.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';
import { waitForController } from '../harness/sw.js';

// Issue 2, "must show": the demo's shell is precached by its service worker and renders with the server gone.

const SECTIONS = ['nav-music', 'nav-mail', 'nav-chat', 'nav-news'];

let server: DemoServer;

test.beforeAll(async () => {
  server = await startDemoServer();
});

test.afterAll(async () => {
  await server?.close();
});

test('the shell renders from the cache while the server is stopped, and works online again', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.getByTestId('app-shell')).toBeVisible();
  await waitForController(page);
  const health = () =>
    page.evaluate(async () => {
      try {
        return (await fetch('/api/health', { cache: 'no-store' })).status;
      } catch {
        return 'network error';
      }
    });
  expect(await health()).toBe(200);

  await server.stop();
  await page.reload();
  const shell = page.getByTestId('app-shell');
  await expect(shell).toBeVisible();
  await expect(page.getByTestId('app-name')).toHaveText('Outpost');
  for (const section of SECTIONS) await expect(page.getByTestId(section)).toBeVisible();
  // The API is really gone: what rendered came from the worker's cache.
  expect(await health()).not.toBe(200);
  // A navigation to another route (a URL never loaded before) is answered with the cached shell too.
  await page.goto(new URL('/mail', server.url).href);
  await expect(page.getByTestId('view-mail')).toBeVisible();
  await expect(page.getByTestId('nav-mail')).toHaveAttribute('aria-current', 'page');

  await server.restart();
  await page.reload();
  await expect(page.getByTestId('app-shell')).toBeVisible();
  expect(await health()).toBe(200);
});
