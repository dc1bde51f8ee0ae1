import type { Page } from '@playwright/test';
import { expect, test } from '../harness/chromium.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';

// Issue 2, "must show": sign up and sign in through the UI; the session cookie opens protected API routes,
// and a request without it is refused.

const USERNAME = 'ada.lovelace';
const PASSWORD = 'analytical-engine-1843';

let server: DemoServer;

test.beforeAll(async () => {
  server = await startDemoServer();
});

test.afterAll(async () => {
  await server?.close();
});

/** GET /api/profile from the page, with or without the session cookie. */
function profileFromPage(page: Page, credentials: RequestCredentials): Promise<{ status: number; body: unknown }> {
  return page.evaluate(async (mode) => {
    const response = await fetch('/api/profile', { credentials: mode, cache: 'no-store' });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }, credentials);
}

async function submitAccountForm(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('account-submit').click();
}

test('sign up, sign out and sign in through the UI; protected routes need the session', async ({
  page,
  context,
  request,
}) => {
  await page.goto(server.url);
  await expect(page.getByTestId('signin-form')).toBeVisible();

  // Sign up: the account is created and signed in.
  await page.getByTestId('show-signup').click();
  await expect(page.getByTestId('signup-form')).toBeVisible();
  await submitAccountForm(page, USERNAME, PASSWORD);
  await expect(page.getByTestId('signed-in-user')).toHaveText(USERNAME);

  // Sign out, then sign in with the same credentials.
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  expect((await profileFromPage(page, 'same-origin')).status).toBe(401);
  await submitAccountForm(page, USERNAME, PASSWORD);
  await expect(page.getByTestId('signed-in-user')).toHaveText(USERNAME);

  // The session is an HttpOnly, SameSite cookie: scripts cannot read it.
  const cookies = await context.cookies(server.url);
  expect(cookies.length).toBeGreaterThan(0);
  for (const cookie of cookies) {
    expect(cookie.httpOnly).toBe(true);
    expect(['Lax', 'Strict']).toContain(cookie.sameSite);
  }
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // With the session: 200 and the user's name.
  const signedIn = await profileFromPage(page, 'same-origin');
  expect(signedIn.status).toBe(200);
  expect(signedIn.body).toMatchObject({ user: { username: USERNAME } });

  // Without it: refused, from the same page (credentials omitted) and from a client with no cookies at all.
  expect((await profileFromPage(page, 'omit')).status).toBe(401);
  const stranger = await request.get(new URL('/api/profile', server.url).href);
  expect(stranger.status()).toBe(401);

  // Signed out: the cookie no longer opens anything.
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-form')).toBeVisible();
  expect((await profileFromPage(page, 'same-origin')).status).toBe(401);
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.getByTestId('signin-form')).toBeVisible();
  await submitAccountForm(page, USERNAME, 'not-the-password');
  await expect(page.getByTestId('account-error')).toBeVisible();
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);
  expect((await profileFromPage(page, 'same-origin')).status).toBe(401);
});
