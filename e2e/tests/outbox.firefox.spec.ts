import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { deliveredMail, signUpOverHttp } from '../fixtures/outbox/mail-app.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';

// Issue 6, "must show", in Firefox: no Background Sync, so a mail written with the server unreachable goes out
// on the next page load (here after a full browser restart, so no timer of the old session can be the one)
// or on the page's online event.

const PASSWORD = 'correct horse battery';
let server: DemoServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  server = await startDemoServer();
  await signUpOverHttp(server.url, 'bob', PASSWORD);
});

test.afterEach(async () => {
  const testInfo = test.info();
  if (testInfo.status !== testInfo.expectedStatus && consoleLog.length > 0) {
    await testInfo.attach('page console', { body: consoleLog.join('\n'), contentType: 'text/plain' });
  }
  consoleLog.length = 0;
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

const byTestId = (id: string) => `[data-testid="${id}"]`;

const consoleLog: string[] = [];

async function openMail(page: Page): Promise<void> {
  page.on('console', (message) => consoleLog.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLog.push(`[pageerror] ${String(error)}`));
  await page.goto(new URL('/mail', server.url).href);
  await waitForController(page);
  await page.waitForSelector(byTestId('view-mail'), { visible: true, timeout: 10_000 });
}

async function fill(page: Page, id: string, text: string): Promise<void> {
  await page.click(byTestId(id), { count: 3 });
  await page.type(byTestId(id), text);
}

async function compose(page: Page, subject: string): Promise<void> {
  await page.click(byTestId('mail-tab-compose'));
  await fill(page, 'mail-to', 'bob');
  await fill(page, 'mail-subject', subject);
  await fill(page, 'mail-body', `Written in Firefox: ${subject}.`);
  await page.click(byTestId('mail-send'));
  await page.waitForSelector(byTestId('mail-notice'), { visible: true, timeout: 10_000 });
}

/** The outbox row of a subject: its state and attempts, or null when it is not listed. */
function outboxRow(page: Page, subject: string): Promise<{ state: string; attempts: string } | null> {
  return page.evaluate((wanted: string) => {
    const row = [...document.querySelectorAll('[data-testid="outbox-item"]')].find((li) =>
      li.textContent?.includes(wanted),
    );
    if (!row) return null;
    return {
      state: row.getAttribute('data-state') ?? '',
      attempts: row.querySelector('[data-testid="outbox-attempts"]')?.textContent ?? '',
    };
  }, subject);
}

test('without Background Sync the mail goes out on the next page load, even after a browser restart', async () => {
  firefox = await launchFirefox();
  const page = await firefox.browser.newPage();
  await openMail(page);
  expect(await page.evaluate(() => 'SyncManager' in globalThis)).toBe(false);
  await page.click(byTestId('show-signup'));
  await fill(page, 'username', 'erin');
  await fill(page, 'password', PASSWORD);
  await page.click(byTestId('account-submit'));
  await page.waitForSelector(byTestId('signed-in-user'), { visible: true, timeout: 15_000 });

  await server.stop();
  await compose(page, 'Firefox after restart');
  await page.click(byTestId('mail-tab-outbox'));
  // The worker tried (a message from the page) and found no server: the mail waits in IndexedDB.
  await expect
    .poll(() => outboxRow(page, 'Firefox after restart'))
    .toMatchObject({ state: 'pending', attempts: expect.stringMatching(/[1-9]/) });

  const { profileDir } = firefox;
  await firefox.browser.close();
  await server.restart();
  expect(await deliveredMail(server.dataDir)).toEqual([]);
  firefox = await launchFirefox({ profileDir });
  const again = await firefox.browser.newPage();
  await openMail(again);
  await expect
    .poll(() => deliveredMail(server.dataDir), { timeout: 20_000 })
    .toEqual([{ subject: 'Firefox after restart', copies: 1 }]);
  await again.click(byTestId('mail-tab-outbox'));
  await expect.poll(() => outboxRow(again, 'Firefox after restart')).toMatchObject({ state: 'sent' });
});

test('without Background Sync the mail goes out on the online event', async () => {
  const page = await firefox.browser.newPage();
  await openMail(page);
  await server.stop();
  await compose(page, 'Firefox online event');
  await page.click(byTestId('mail-tab-outbox'));
  await expect
    .poll(() => outboxRow(page, 'Firefox online event'))
    .toMatchObject({ state: 'pending', attempts: expect.stringMatching(/[1-9]/) });
  await server.restart();
  await page.evaluate(() => globalThis.dispatchEvent(new Event('online')));
  await expect
    .poll(() => deliveredMail(server.dataDir), { timeout: 20_000 })
    .toContainEqual({ subject: 'Firefox online event', copies: 1 });
  await expect.poll(() => outboxRow(page, 'Firefox online event')).toMatchObject({ state: 'sent' });
  expect(await deliveredMail(server.dataDir)).toEqual([
    { subject: 'Firefox after restart', copies: 1 },
    { subject: 'Firefox online event', copies: 1 },
  ]);
});
