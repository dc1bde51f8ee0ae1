import type { Page, Request } from '@playwright/test';
import { deliveredMail, signUpOverHttp } from '../fixtures/outbox/mail-app.js';
import { openMail as openMailView, signInThroughUi } from '../fixtures/outbox/mail-ui.js';
import { expect, test } from '../harness/chromium.js';
import { grantAll } from '../harness/permissions.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';

// Issue 6, "must show" in Chromium: mail written offline goes out through Background Sync after every tab is
// closed, exactly once; 503 then recovery; an expired session waits for sign-in; a 422 fails with its reason.

const PASSWORD = 'correct horse battery';
let server: DemoServer;

test.beforeAll(async () => {
  server = await startDemoServer();
  await signUpOverHttp(server.url, 'bob', PASSWORD);
});

test.afterAll(async () => {
  await server?.close();
});

const openMail = (page: Page) => openMailView(page, server.url);
const signIn = (page: Page, username: string, mode: 'signup' | 'signin') =>
  signInThroughUi(page, username, PASSWORD, mode);

async function compose(page: Page, to: string, subject: string, body: string): Promise<void> {
  await page.getByTestId('mail-tab-compose').click();
  await page.getByTestId('mail-to').fill(to);
  await page.getByTestId('mail-subject').fill(subject);
  await page.getByTestId('mail-body').fill(body);
  await page.getByTestId('mail-send').click();
  await expect(page.getByTestId('mail-notice')).toBeVisible();
}

const outboxItem = (page: Page, subject: string) => page.getByTestId('outbox-item').filter({ hasText: subject });

test('offline: 3 mails, every tab closed, online again: Background Sync delivers each exactly once', async ({
  page,
  context,
  cdp,
}) => {
  await openMail(page);
  await grantAll(cdp, server.url, ['backgroundSync']);
  await signIn(page, 'alice', 'signup');

  await context.setOffline(true);
  const subjects = ['Offline one', 'Offline two', 'Offline three'];
  for (const subject of subjects) await compose(page, 'bob', subject, `A long letter: ${subject}.`);
  await page.getByTestId('mail-tab-outbox').click();
  for (const subject of subjects) {
    await expect(outboxItem(page, subject)).toHaveAttribute('data-state', /pending|sending/);
  }

  for (const tab of context.pages()) await tab.close();
  expect(context.pages()).toHaveLength(0);
  expect(await deliveredMail(server.dataDir)).toEqual([]);

  // Back online with no page of the app open: only the service worker's sync event can send them.
  await context.setOffline(false);
  await expect
    .poll(() => deliveredMail(server.dataDir), { timeout: 30_000 })
    .toEqual(subjects.map((subject) => ({ subject, copies: 1 })).sort((a, b) => a.subject.localeCompare(b.subject)));

  const again = await context.newPage();
  await openMail(again);
  await again.getByTestId('mail-tab-outbox').click();
  for (const subject of subjects) await expect(outboxItem(again, subject)).toHaveAttribute('data-state', 'sent');
  await again.getByTestId('mail-tab-sent').click();
  await expect(again.getByTestId('mail-message')).toHaveCount(3);
  await again.close();
});

test('a 503 is retried with the same Idempotency-Key and the mail is sent once the server recovers', async ({
  page,
  context,
}) => {
  const attempts: Request[] = [];
  await context.route('**/api/mail', async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    attempts.push(route.request());
    if (attempts.length === 1) {
      return route.fulfill({
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'overloaded, try later' }),
      });
    }
    return route.fallback();
  });
  try {
    await openMail(page);
    await compose(page, 'bob', 'After the outage', 'Sent once the server is back.');
    await page.getByTestId('mail-tab-outbox').click();
    await expect(outboxItem(page, 'After the outage')).toHaveAttribute('data-state', 'sent', { timeout: 20_000 });
    await expect(outboxItem(page, 'After the outage').getByTestId('outbox-attempts')).toContainText('2');
  } finally {
    await context.unroute('**/api/mail');
  }
  expect(attempts).toHaveLength(2);
  const keys = await Promise.all(attempts.map((request) => request.headerValue('idempotency-key')));
  expect(keys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
  expect(keys[1]).toBe(keys[0]);
  expect(await deliveredMail(server.dataDir)).toContainEqual({ subject: 'After the outage', copies: 1 });
});

test('an expired session parks the mail as needs-sign-in; signing in sends it', async ({ page, context }) => {
  await openMail(page);
  await context.clearCookies();
  await compose(page, 'bob', 'Behind the login', 'Waits for the session.');
  await page.getByTestId('mail-tab-outbox').click();
  const item = outboxItem(page, 'Behind the login');
  await expect(item).toHaveAttribute('data-state', 'needs-sign-in');
  await expect(item.getByTestId('outbox-reason')).toHaveText('sign in required');
  expect(await deliveredMail(server.dataDir)).not.toContainEqual(
    expect.objectContaining({ subject: 'Behind the login' }),
  );

  await page.reload();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await signIn(page, 'alice', 'signin');
  await page.getByTestId('mail-tab-outbox').click();
  await expect(outboxItem(page, 'Behind the login')).toHaveAttribute('data-state', 'sent');
  expect(await deliveredMail(server.dataDir)).toContainEqual({ subject: 'Behind the login', copies: 1 });
});

test('a 422 fails the mail with the server reason shown; cancel removes a mail before it is sent', async ({
  page,
  context,
}) => {
  await openMail(page);
  await compose(page, 'nobody', 'Lost letter', 'There is no such account.');
  await page.getByTestId('mail-tab-outbox').click();
  const item = outboxItem(page, 'Lost letter');
  await expect(item).toHaveAttribute('data-state', 'failed');
  await expect(item.getByTestId('outbox-state')).toHaveText('Not sent');
  await expect(item.getByTestId('outbox-reason')).toHaveText('no such recipient: nobody');
  await expect(item.getByTestId('outbox-retry')).toBeVisible();

  await context.setOffline(true);
  await compose(page, 'bob', 'Second thoughts', 'Never mind.');
  await page.getByTestId('mail-tab-outbox').click();
  await outboxItem(page, 'Second thoughts').getByTestId('outbox-cancel').click();
  await expect(outboxItem(page, 'Second thoughts')).toHaveCount(0);
  await context.setOffline(false);
  const delivered = (await deliveredMail(server.dataDir)).map((row) => row.subject);
  expect(delivered).not.toContain('Lost letter');
  expect(delivered).not.toContain('Second thoughts');
});

test('offline, drafts survive a reload and the sent folder shows the last copy seen', async ({ page, context }) => {
  await openMail(page);
  await page.getByTestId('mail-tab-sent').click();
  // Alice's earlier tests delivered five: three offline, the one after the 503, the one after sign-in.
  const sent = 5;
  await expect(page.getByTestId('mail-message')).toHaveCount(sent);

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.getByTestId('view-mail')).toBeVisible();
    await page.getByTestId('mail-to').fill('bob');
    await page.getByTestId('mail-subject').fill('Unfinished thought');
    await expect(page.getByTestId('draft-saved')).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('mail-subject')).toHaveValue('Unfinished thought');
    await expect(page.getByTestId('mail-to')).toHaveValue('bob');

    await page.getByTestId('mail-tab-sent').click();
    await expect(page.getByTestId('mail-stale')).toBeVisible();
    await expect(page.getByTestId('mail-message')).toHaveCount(sent);
  } finally {
    await context.setOffline(false);
  }
});
