import { join } from 'node:path';
import { openStore } from '@outpost/store';
import type { Page } from '@playwright/test';
import { signUpOverHttp } from '../fixtures/outbox/mail-app.js';
import { openMail as openMailView, signInThroughUi } from '../fixtures/outbox/mail-ui.js';
import { expect, test } from '../harness/chromium.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';

// Issue 12, items 9 and 12, on a shared device: a mail queued offline is bound to its author and is never sent
// as whoever signs in next; one account's drafts and folder copies are gone from the device when it signs out.

const PASSWORD = 'correct horse battery';
let server: DemoServer;

test.beforeAll(async () => {
  server = await startDemoServer();
  await signUpOverHttp(server.url, 'bob', PASSWORD);
  await signUpOverHttp(server.url, 'carol', PASSWORD);
});

test.afterAll(async () => {
  await server?.close();
});

/** What the demo's database holds: each mail with its sender and recipient. */
async function deliveredWithSender(): Promise<{ subject: string; from: string; to: string }[]> {
  const store = await openStore({ url: join(server.dataDir, 'outpost.db') });
  try {
    const rows = await store.db
      .selectFrom('mail_messages as m')
      .innerJoin('accounts_users as s', 's.id', 'm.sender_id')
      .innerJoin('accounts_users as r', 'r.id', 'm.recipient_id')
      .select(['m.subject as subject', 's.username as from', 'r.username as to'])
      .orderBy('m.subject')
      .execute();
    return rows.map((row) => ({ subject: String(row.subject), from: String(row.from), to: String(row.to) }));
  } finally {
    await store.close();
  }
}

/** Ends every session on the server, as their expiry would. */
async function endAllSessions(): Promise<void> {
  const store = await openStore({ url: join(server.dataDir, 'outpost.db') });
  try {
    await store.db.deleteFrom('accounts_sessions').execute();
  } finally {
    await store.close();
  }
}

/** The outbox items as stored on this device, whoever's they are (what the page shows is filtered). */
function storedItems(page: Page): Promise<{ subject: string; state: string; account: string | null }[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('outpost-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('items').objectStore('items').getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            open.result.close();
            resolve(
              (request.result as { label: { subject: string }; state: string; account?: string }[]).map((item) => ({
                subject: item.label.subject,
                state: item.state,
                account: item.account ?? null,
              })),
            );
          };
        };
      }),
  );
}

const openMail = (page: Page) => openMailView(page, server.url);
const signIn = (page: Page, username: string, mode: 'signup' | 'signin') =>
  signInThroughUi(page, username, PASSWORD, mode);

async function signOut(page: Page): Promise<void> {
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
}

async function compose(page: Page, to: string, subject: string): Promise<void> {
  await page.getByTestId('mail-tab-compose').click();
  await page.getByTestId('mail-to').fill(to);
  await page.getByTestId('mail-subject').fill(subject);
  await page.getByTestId('mail-body').fill(`${subject}, in full.`);
  await page.getByTestId('mail-send').click();
  await expect(page.getByTestId('mail-notice')).toBeVisible();
}

const SUBJECT = 'Queued offline by alice';

test('issue 12 item 9: a mail queued offline is never sent as the next account, and goes out as its author', async ({
  page,
  context,
}) => {
  await openMail(page);
  await signIn(page, 'alice', 'signup');

  // The page starts offline: the worker serves it, the session cannot be checked; alice was the last user here.
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('account-unknown')).toBeVisible();
  await compose(page, 'carol', SUBJECT);
  expect(await storedItems(page)).toEqual([expect.objectContaining({ subject: SUBJECT, state: 'pending' })]);

  // Alice's session ends meanwhile; the device comes back online, and bob signs in on it.
  await endAllSessions();
  await context.setOffline(false);
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await signIn(page, 'bob', 'signin');
  await page.reload();
  await expect(page.getByTestId('signed-in-user')).toHaveText('bob');

  // Whatever the outbox tried in bob's session, the mail waits for alice: not sent, not shown to bob.
  await expect
    .poll(async () => (await storedItems(page)).map((item) => item.state), { timeout: 15_000 })
    .toEqual(['needs-sign-in']);
  await page.getByTestId('mail-tab-outbox').click();
  await expect(page.getByTestId('outbox-item')).toHaveCount(0);
  expect(await deliveredWithSender()).toEqual([]);

  // Alice signs in again: it goes out, as alice.
  await signOut(page);
  await signIn(page, 'alice', 'signin');
  await page.getByTestId('mail-tab-outbox').click();
  await expect(page.getByTestId('outbox-item').filter({ hasText: SUBJECT })).toHaveAttribute('data-state', 'sent', {
    timeout: 15_000,
  });
  expect(await deliveredWithSender()).toEqual([{ subject: SUBJECT, from: 'alice', to: 'carol' }]);
});

test('issue 12 item 12: sign-out removes the account’s drafts and folder copies; the next account sees none', async ({
  page,
}) => {
  await openMail(page);
  // Neither shows until the first session check answers; reading too early (seen under load) found no user,
  // skipped the sign-out, and then waited for a sign-in form that the signed-in page never shows.
  const signedIn = page.getByTestId('signed-in-user');
  await expect(signedIn.or(page.getByTestId('signin-form'))).toBeVisible();
  if (await signedIn.isVisible()) await signOut(page);
  await signIn(page, 'carol', 'signin');
  // Carol has alice's mail in her inbox (a copy is kept for offline), and leaves a draft.
  await page.getByTestId('mail-tab-inbox').click();
  await expect(page.getByTestId('mail-message')).toHaveCount(1);
  await page.getByTestId('mail-tab-compose').click();
  await page.getByTestId('mail-to').fill('alice');
  await page.getByTestId('mail-subject').fill('Private draft of carol');
  await expect(page.getByTestId('draft-saved')).toBeVisible();
  const carolKeys = await page.evaluate(() =>
    Object.keys(localStorage).filter((key) => key.startsWith('outpost.mail.')),
  );
  expect(carolKeys.length).toBeGreaterThan(0);
  const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? ''));
  expect((await databases()).filter((name) => name.startsWith('outpost-demo-drafts'))).toHaveLength(1);

  await signOut(page);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('outpost.mail.')))).toEqual(
    [],
  );
  expect((await databases()).filter((name) => name.startsWith('outpost-demo-drafts'))).toEqual([]);

  await signIn(page, 'bob', 'signin');
  await page.getByTestId('mail-tab-compose').click();
  await expect(page.getByTestId('mail-subject')).toHaveValue('');
  await expect(page.getByTestId('mail-drafts')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('signed-in-user')).toHaveText('bob');
  await expect(page.getByTestId('mail-subject')).toHaveValue('');
  await page.getByTestId('mail-tab-inbox').click();
  await expect(page.getByTestId('mail-message')).toHaveCount(0);
});
