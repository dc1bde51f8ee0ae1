import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Outbox } from '@outpost/pwa/client';
import {
  buildGuideApp,
  type GuideApp,
  type GuideServer,
  startGuideServer,
  typeCheckGuideApp,
  writeGuideApp,
} from '../fixtures/getting-started/app.js';
import { expect, test } from '../harness/chromium.js';
import { waitForController } from '../harness/sw.js';

// docs/getting-started.md, checked: the app is written from the guide's marked snippets (plus the fixture's
// "existing app": index.html and src/main.js), type-checked, built with the workspace's Vite and served by the
// guide's own Fastify server. The tests share the file's profile, in order.
test.describe.configure({ mode: 'serial' });

interface Note {
  id: string;
  text: string;
}

let app: GuideApp | undefined;
let server: GuideServer | undefined;

function running(): GuideServer {
  if (!server) throw new Error('the guide server is not running (an earlier test failed)');
  return server;
}

async function notesOnServer(): Promise<Note[]> {
  const response = await fetch(new URL('api/notes', running().url));
  const body = (await response.json()) as { notes: Note[] };
  return body.notes;
}

test.beforeAll(async () => {
  app = await writeGuideApp();
});

test.afterAll(async () => {
  await server?.stop();
  await app?.remove();
});

test('the guide snippets type-check, build and serve', async () => {
  // Three tsc runs and a Vite build on 2 shared cores: far longer than a browser step.
  test.setTimeout(180_000);
  if (!app) throw new Error('the app was not written');
  await typeCheckGuideApp(app.dir);
  await buildGuideApp(app.dir);
  server = await startGuideServer(app.dir);
  // A note from before the first visit, written the way the outbox writes: JSON with an Idempotency-Key.
  const response = await fetch(new URL('api/notes', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': '"seed-note"' },
    body: JSON.stringify({ text: 'written before the first visit' }),
  });
  expect(response.status).toBe(201);
  const key = await fetch(new URL('api/push/key', server.url));
  expect(key.status).toBe(200);
});

test('first visit: the worker installs, controls the page and caches the API answer', async ({ page }) => {
  await page.goto(running().url);
  expect(await waitForController(page)).toBe(new URL('sw.js', running().url).href);
  await expect(page.locator('#outpost-status')).toHaveText('Ready to work offline.');
  await expect(page.locator('#notes li')).toHaveText(['written before the first visit']);
  // The answer read after the worker took control went through its stale-while-revalidate route.
  await expect.poll(() => page.evaluate(async () => (await caches.match('/api/notes')) !== undefined)).toBe(true);
});

test('offline: the page and the cached API answer load after a reload', async ({ page, context }) => {
  await page.goto(running().url);
  await waitForController(page);
  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.locator('#title')).toHaveText('Notes');
    await expect(page.locator('#notes li')).toHaveText(['written before the first visit']);
    // A navigation to a route of the single-page app that was never visited gets the precached shell.
    await page.goto(new URL('some/client/route', running().url).href);
    await expect(page.locator('#title')).toHaveText('Notes');
  } finally {
    await context.setOffline(false);
  }
});

test('a note written offline reaches the server exactly once when back online', async ({ page, context }) => {
  const text = `written offline ${Date.now()}`;
  await page.goto(running().url);
  await waitForController(page);
  await context.setOffline(true);
  try {
    await page.reload();
    await page.locator('#note-text').fill(text);
    await page.locator('#note-form button').click();
    await expect(page.locator('#outbox li')).toHaveText([`${text}: pending`]);
    expect((await notesOnServer()).filter((note) => note.text === text)).toHaveLength(0);
  } finally {
    await context.setOffline(false);
  }
  await expect(page.locator('#outbox li')).toHaveText([`${text}: sent`], { timeout: 30_000 });
  expect((await notesOnServer()).filter((note) => note.text === text)).toHaveLength(1);

  // The same request again, byte for byte (what a retry after a lost answer sends): the server replays its
  // stored answer and adds nothing.
  const stored = await page.evaluate(async () => {
    // src/main.js (the fixture's page) exposes the guide's outbox as notesOutbox.
    const { notesOutbox } = globalThis as unknown as { notesOutbox: Promise<Outbox> };
    const [item] = await (await notesOutbox).list();
    return item?.request;
  });
  if (!stored || typeof stored.body !== 'string') throw new Error('the sent item was not kept with its request');
  const again = await fetch(new URL(stored.url, running().url), {
    method: stored.method,
    headers: stored.headers,
    body: stored.body,
  });
  expect(again.status).toBe(201);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect((await notesOnServer()).filter((note) => note.text === text)).toHaveLength(1);
});

test('a new build: the update prompt, then the new version controls and works offline', async ({ page, context }) => {
  test.setTimeout(120_000);
  if (!app) throw new Error('the app was not written');
  // "Change something, build again" (the guide's last check): a new title, so new files and a new manifest.
  const html = join(app.dir, 'index.html');
  await writeFile(html, (await readFile(html, 'utf8')).replace('>Notes</h1>', '>Notes, version 2</h1>'));
  await buildGuideApp(app.dir);

  // The navigation makes the browser check sw.js; the new version installs and waits for the page's word.
  await page.goto(running().url);
  await expect(page.locator('#outpost-status')).toHaveText('A new version is available. Update', {
    timeout: 30_000,
  });
  await Promise.all([page.waitForEvent('load'), page.locator('#outpost-status button').click()]);
  await waitForController(page);
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBe(
    null,
  );

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.locator('#title')).toHaveText('Notes, version 2');
  } finally {
    await context.setOffline(false);
  }
});
