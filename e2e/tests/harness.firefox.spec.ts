import { expect, test } from '@playwright/test';
import { SW_LAB_ROOT } from '../fixtures/sw-lab/lab-api.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';
import { type RestartableServer, startStaticServer } from '../harness/servers.js';

// Firefox through puppeteer-core over WebDriver BiDi, proven on the hand-written sw-lab worker.

let server: RestartableServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  server = await startStaticServer({ root: SW_LAB_ROOT });
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

test('Firefox launches with the test prefs on a fresh profile', async () => {
  expect(await firefox.browser.version()).toMatch(/firefox/i);
  // An origin of its own: the lab page registers its worker as it loads, and a registration still activating
  // on the shared origin would leave the next test's navigation uncontrolled (it starts before activation, and
  // clients.claim() can run before that page is ready to be claimed).
  const own = await startStaticServer({ root: SW_LAB_ROOT });
  const page = await firefox.browser.newPage();
  try {
    await page.goto(own.url);
    // permissions.default.desktop-notification = 1: allowed without a prompt.
    expect(await page.evaluate(() => Notification.permission)).toBe('granted');
    expect(await page.evaluate(() => 'pushManager' in ServiceWorkerRegistration.prototype)).toBe(true);
  } finally {
    await page.close();
    await own.close();
  }
});

test('the page registers the worker, which controls it and works offline', async () => {
  const page = await firefox.browser.newPage();
  try {
    await page.goto(server.url);
    expect(await waitForController(page)).toBe(new URL('sw.js', server.url).href);
    // alerts.useSystemBackend = false: notifications work headless, without D-Bus.
    const shown = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      await registration.showNotification('Firefox lab', { body: 'shown', tag: 'ff' });
      return (await registration.getNotifications()).map((n) => `${n.title}/${n.body}/${n.tag}`);
    });
    expect(shown).toEqual(['Firefox lab/shown/ff']);

    await server.stop();
    await page.reload();
    expect(await page.$eval('[data-testid="lab-title"]', (el) => el.textContent)).toBe('SW lab');
    await server.restart();
  } finally {
    await page.close();
  }
});
