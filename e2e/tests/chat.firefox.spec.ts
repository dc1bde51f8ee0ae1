import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPushService, type PushService, pushServiceLogger } from '@outpost/push-service';
import { sendNotification } from '@outpost/webpush';
import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import {
  appVapidKeys,
  readRequests,
  type SubscriptionRow,
  sendChat,
  signUp,
  subscriptionRows,
  unreadCount,
} from '../fixtures/chat/chat-app.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';
import { type DemoServer, freePort, startDemoServer } from '../harness/servers.js';

// Issue 14, "must show", in a real Firefox, end to end: the Chat of the demo app, its app server with the push
// plugin, and our push service (its own process state, here in the test so it can be reset), which Firefox's push
// client is pointed at (dom.push.serverURL). Nothing is simulated: Firefox subscribes, the app server encrypts and
// POSTs, the push service delivers over the WebSocket, Firefox decrypts and fires the worker's push event.

const PASSWORD = 'correct horse battery';
let dataDir: string;
let servicePort: number;
let service: PushService;
let server: DemoServer;
let firefox: LaunchedFirefox;
let page: Page;
let alice: string;
let firstHello: Promise<string>;
const consoleLog: string[] = [];

async function startPushService(logName: string): Promise<PushService> {
  const started = await createPushService({
    db: join(dataDir, 'push.db'),
    secrets: ['e2e chat endpoint secret, long enough'],
    port: servicePort,
    logger: pushServiceLogger(createWriteStream(test.info().outputPath(logName))),
  });
  await started.listen();
  return started;
}

function nextHello(of: PushService): Promise<string> {
  return new Promise((resolve) => of.core.events.once('hello', resolve));
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)),
  ]);
}

const byTestId = (id: string) => `[data-testid="${id}"]`;

/** The notifications the worker shows now (title, body, tag). */
function shownNotifications(): Promise<{ title: string; body: string; tag: string }[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
  });
}

/** The badge count the worker and page keep in IndexedDB (null before anything stored one). */
function storedBadge(): Promise<number | null> {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((db) => db.name);
    if (!names.includes('outpost-badge')) return null;
    return new Promise<number | null>((resolve, reject) => {
      const open = indexedDB.open('outpost-badge');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const get = db.transaction('badge').objectStore('badge').get('count');
        get.onsuccess = () => {
          db.close();
          resolve(typeof get.result === 'number' ? get.result : null);
        };
        get.onerror = () => reject(get.error);
      };
    });
  });
}

/** The chat outbox's items as (label, state): what the worker and page queued for the app server. */
function chatOutboxItems(): Promise<{ label: unknown; state: string }[]> {
  return page.evaluate(
    () =>
      new Promise<{ label: unknown; state: string }[]>((resolve, reject) => {
        const open = indexedDB.open('outpost-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('items').objectStore('items').getAll();
          all.onsuccess = () => {
            db.close();
            const rows = all.result as { queue: string; label: unknown; state: string }[];
            resolve(rows.filter((row) => row.queue === 'chat').map((row) => ({ label: row.label, state: row.state })));
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

async function switchState(): Promise<string | null> {
  return page.$eval(byTestId('push-switch'), (el) => el.getAttribute('data-state'));
}

async function bobsSubscriptions(): Promise<SubscriptionRow[]> {
  return (await subscriptionRows(server.dataDir)).filter((row) => row.username === 'bob');
}

test.beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-e2e-chat-'));
  servicePort = await freePort();
  service = await startPushService('push-service.log');
  firstHello = nextHello(service);
  server = await startDemoServer({ env: { PUSH_ALLOWED_ORIGINS: service.url } });
  alice = await signUp(server.url, 'alice', PASSWORD);
  await signUp(server.url, 'bob', PASSWORD);
  firefox = await launchFirefox({ pushServerUrl: service.wsUrl });
  page = await firefox.browser.newPage();
  page.on('console', (message) => consoleLog.push(`[${message.type()}] ${message.text()}`));
});

test.afterEach(async () => {
  const info = test.info();
  if (info.status !== info.expectedStatus && consoleLog.length > 0) {
    await info.attach('page console', { body: consoleLog.join('\n'), contentType: 'text/plain' });
  }
});

test.afterAll(async () => {
  await page?.close().catch(() => undefined);
  await firefox?.close();
  await server?.close();
  await service?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('B turns notifications on with one click, and the app server stores the subscription', async () => {
  // Firefox drops a subscribe sent before its push connection is up.
  await within(firstHello, 30_000, 'Firefox hello');
  await page.goto(new URL('/chat', server.url).href);
  await waitForController(page);
  await page.evaluate(async (password: string) => {
    const response = await fetch('/api/auth/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password }),
    });
    if (!response.ok) throw new Error(`sign-in: HTTP ${response.status}`);
  }, PASSWORD);
  await page.reload();
  await page.waitForSelector(`${byTestId('push-toggle')}:not([disabled])`, { timeout: 15_000 });
  // Notifications are allowed by the profile (docs/testing.md), so the honest state is "off", not "ask".
  expect(await switchState()).toBe('unsubscribed');

  await page.click(byTestId('push-toggle'));
  await expect.poll(switchState, { timeout: 20_000 }).toBe('subscribed');
  const rows = await bobsSubscriptions();
  expect(rows).toHaveLength(1);
  expect(rows[0]?.endpoint.startsWith(`${service.url}/push/`)).toBe(true);
});

test('A sends a message: the Firefox worker gets it through our push service and shows it', async () => {
  expect(await sendChat(server.url, alice, 'bob', 'Lunch at <b>noon</b>?')).toBe(201);
  await expect
    .poll(shownNotifications, { timeout: 20_000 })
    .toEqual([{ title: 'alice', body: 'Lunch at <b>noon</b>?', tag: 'chat:alice' }]);
  await expect.poll(storedBadge, { timeout: 10_000 }).toBe(1);
});

test('three messages from A are one notification saying 3, and the stored badge is 3', async () => {
  expect(await sendChat(server.url, alice, 'bob', 'Or at one?')).toBe(201);
  await expect
    .poll(async () => (await shownNotifications())[0]?.title, { timeout: 20_000 })
    .toBe('2 new messages from alice');
  expect(await sendChat(server.url, alice, 'bob', 'Answer me!')).toBe(201);
  await expect
    .poll(shownNotifications, { timeout: 20_000 })
    .toEqual([{ title: '3 new messages from alice', body: 'Answer me!', tag: 'chat:alice' }]);
  await expect.poll(storedBadge, { timeout: 10_000 }).toBe(3);
  expect(await unreadCount(server.dataDir, 'bob')).toBe(3);
});

test('opening the conversation marks it read once, clears the badge and the notification; text stays text', async () => {
  await page.click(`${byTestId('chat-conversation')}[data-with="alice"]`);
  await expect.poll(() => unreadCount(server.dataDir, 'bob'), { timeout: 15_000 }).toBe(0);
  await expect.poll(storedBadge, { timeout: 10_000 }).toBe(0);
  await expect.poll(shownNotifications, { timeout: 10_000 }).toEqual([]);
  expect(await readRequests(server.dataDir, 'bob', 'alice')).toBe(1);
  await page.waitForSelector(byTestId('chat-message'), { timeout: 10_000 });
  const rendered = await page.$eval(byTestId('chat-messages'), (list) => ({
    text: list.textContent ?? '',
    bold: list.querySelectorAll('b').length,
  }));
  expect(rendered.text).toContain('Lunch at <b>noon</b>?');
  expect(rendered.bold).toBe(0);
  expect(await page.evaluate(() => new URL(location.href).searchParams.get('with'))).toBe('alice');
});

test('turning notifications off unsubscribes at the push service (a later POST gets 410) and deletes the row', async () => {
  const [row] = await bobsSubscriptions();
  if (!row) throw new Error('no subscription');
  const keys = await appVapidKeys(server.dataDir);
  const unregistered = new Promise<string>((resolve) =>
    service.core.events.once('unregister', (_uaid: string, channelID: string) => resolve(channelID)),
  );
  await page.click(byTestId('push-toggle'));
  await expect.poll(switchState, { timeout: 15_000 }).toBe('unsubscribed');
  await within(unregistered, 20_000, 'unregister at the push service');
  const late = await sendNotification(
    { endpoint: row.endpoint, keys: { p256dh: row.p256dh, auth: row.auth } },
    'too late',
    { vapid: { keys, subject: 'mailto:e2e@outpost.test' }, ttl: 60 },
  );
  expect(late).toMatchObject({ result: 'expired', status: 410 });
  expect(await bobsSubscriptions()).toEqual([]);
});

test('after the push service resets the user agent, pushsubscriptionchange moves the server to the new endpoint', async () => {
  await page.click(byTestId('push-toggle'));
  await expect.poll(switchState, { timeout: 20_000 }).toBe('subscribed');
  const [before] = await bobsSubscriptions();
  if (!before) throw new Error('no subscription');

  // A push service that lost its data: Firefox's UAID is unknown, it gets a new one, drops its subscriptions
  // and fires pushsubscriptionchange in the worker.
  await service.close();
  for (const file of ['push.db', 'push.db-wal', 'push.db-shm']) await rm(join(dataDir, file), { force: true });
  service = await startPushService('push-service-reset.log');

  await expect
    .poll(async () => (await bobsSubscriptions()).map((row) => row.endpoint), { timeout: 40_000 })
    .toEqual([expect.not.stringMatching(`^${before.endpoint}$`)]);
  const [after] = await bobsSubscriptions();
  expect(after?.endpoint.startsWith(`${service.url}/push/`)).toBe(true);
  // It went old -> new through the worker's outbox (the page was not reloaded, so no page re-sync did it).
  expect(await chatOutboxItems()).toContainEqual({ label: { push: 'subscription' }, state: 'sent' });

  // And the new endpoint works: a message reaches the worker. The page leaves alice's conversation first: while
  // it is on screen, the page marks a new message read at once and its notification closes again.
  await page.goto(new URL('/mail', server.url).href);
  expect(await sendChat(server.url, alice, 'bob', 'Still there?')).toBe(201);
  await expect
    .poll(async () => (await shownNotifications()).map((n) => n.body), { timeout: 20_000 })
    .toContain('Still there?');
});
