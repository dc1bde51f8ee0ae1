import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import {
  buildGuideApp,
  type GuideApp,
  type GuideServer,
  startGuideServer,
  writeGuideApp,
} from '../fixtures/getting-started/app.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';

// docs/getting-started.md in Firefox, which has no Background Sync: the app from the guide's snippets (the
// Chromium spec type-checks them), offline with its server stopped for real, and a note written while the server
// is gone sent by the outbox's fallback once the server is back. The tests share one profile, in order.
test.describe.configure({ mode: 'serial' });

interface Note {
  id: string;
  text: string;
}

let app: GuideApp | undefined;
let server: GuideServer | undefined;
let firefox: LaunchedFirefox | undefined;
let page: Page;

function running(): GuideServer {
  if (!server) throw new Error('the guide server is not running (an earlier step failed)');
  return server;
}

async function notesOnServer(): Promise<Note[]> {
  const response = await fetch(new URL('api/notes', running().url));
  return ((await response.json()) as { notes: Note[] }).notes;
}

/** Waits until the texts of the elements matching `selector` are exactly `expected`, in order. */
async function waitForTexts(selector: string, expected: string[], timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (query: string, want: string[]) =>
      JSON.stringify([...document.querySelectorAll(query)].map((element) => element.textContent)) ===
      JSON.stringify(want),
    { timeout },
    selector,
    expected,
  );
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  app = await writeGuideApp();
  await buildGuideApp(app.dir);
  [server, firefox] = await Promise.all([startGuideServer(app.dir), launchFirefox()]);
  const seeded = await fetch(new URL('api/notes', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': '"seed-note"' },
    body: JSON.stringify({ text: 'written before the first visit' }),
  });
  expect(seeded.status).toBe(201);
  page = await firefox.browser.newPage();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.stop();
  await app?.remove();
});

test('first visit: the worker installs, controls the page and caches the API answer', async () => {
  await page.goto(running().url);
  expect(await waitForController(page)).toBe(new URL('sw.js', running().url).href);
  await waitForTexts('#outpost-status', ['Ready to work offline.']);
  await waitForTexts('#notes li', ['written before the first visit']);
  await page.waitForFunction(async () => (await caches.match('/api/notes')) !== undefined, { timeout: 10_000 });
});

test('server stopped: the page and the cached API answer load after a reload', async () => {
  await running().stop();
  await page.reload();
  await waitForTexts('#title', ['Notes']);
  await waitForTexts('#notes li', ['written before the first visit']);
});

test('a note written with the server gone reaches it exactly once when it is back', async () => {
  const text = `written offline ${Date.now()}`;
  await page.type('#note-text', text);
  await page.click('#note-form button');
  await waitForTexts('#outbox li', [`${text}: pending`]);

  if (!app) throw new Error('the app was not written');
  server = await startGuideServer(app.dir, { port: running().port });
  // No Background Sync here: the page's next load, or the worker's timer after its backoff, starts a replay
  // (docs/outbox.md, "Triggers").
  await page.reload();
  await waitForTexts('#outbox li', [`${text}: sent`], 30_000);
  expect((await notesOnServer()).filter((note) => note.text === text)).toHaveLength(1);
});
