import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPushService,
  type PushService,
  pushServiceLogger,
  type ReceivedMessage,
  VirtualUserAgent,
} from '@outpost/push-service';
import type { BrowserContext, CDPSession, Page, Worker } from '@playwright/test';
import { readRequests, sendChat, signUp, unreadCount } from '../fixtures/chat/chat-app.js';
import { expect, test } from '../harness/chromium.js';
import { deliverPush } from '../harness/dispatch.js';
import { grantAll } from '../harness/permissions.js';
import { type DemoServer, freePort, startDemoServer } from '../harness/servers.js';
import { getServiceWorker, registrationId, waitForController } from '../harness/sw.js';

// Issue 14, "must show", in Chromium, where no real subscription can be made (pushManager.subscribe needs
// Google's service): a virtual user agent's subscription is registered for B through the app server's API; A
// sends; app server -> our push service -> the virtual user agent decrypts -> the test delivers those same bytes to
// Chromium's worker with CDP deliverPushMessage. Then the click logic and "Mark as read" with the network off.

// The tests build on each other (the first registers B's subscription), so they run as one group: a failure
// skips the rest instead of failing them for want of that state. One retry of the whole group, because one
// clean-clone run in three saw the notification of the "Mark as read" test not shown within 10 s under full
// load. The cause is not proven. Two candidates that fit the symptom (a push that never came would fail in
// nextMessage instead) are now handled: relaying whatever message came next, which can be a late duplicate of
// an earlier test's message (delivery is at least once), so relayPush relays only the one it waits for and
// logs any it skips; and a worker slow to start and show under that load, so the notification waits are 20 s.
test.describe.configure({ mode: 'serial', retries: 1 });

const PASSWORD = 'correct horse battery';
let dataDir: string;
let service: PushService;
let server: DemoServer;
let ua: VirtualUserAgent;
let alice: string;
let bob: string;

// The worker's globals these tests touch (the spec is type-checked against the DOM lib, not WebWorker).
type WorkerScope = { registration: ServiceWorkerRegistration };
declare const NotificationEvent: new (type: string, init: { notification: Notification; action?: string }) => Event;

type ChatWorker = {
  outpostChatPush: {
    planClick(
      target: string,
    ): Promise<{ plan: { kind: string; windowId?: string }; windows: { id: string; url: string }[] }>;
    click(notification: Notification, action?: string): Promise<{ kind: string; queued?: string | null }>;
  };
};

test.beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-e2e-chat-chromium-'));
  service = await createPushService({
    db: join(dataDir, 'push.db'),
    secrets: ['e2e chat endpoint secret, long enough'],
    port: await freePort(),
    logger: pushServiceLogger(createWriteStream(join(dataDir, 'push-service.log'))),
  });
  await service.listen();
  server = await startDemoServer({ env: { PUSH_ALLOWED_ORIGINS: service.url } });
  alice = await signUp(server.url, 'alice', PASSWORD);
  bob = await signUp(server.url, 'bob', PASSWORD);
  ua = await VirtualUserAgent.connect(service.wsUrl);
});

test.afterAll(async () => {
  await ua?.close();
  await server?.close();
  await service?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Opens `path` signed in as bob (the session cookie of the HTTP sign-up goes into the profile). */
async function openAsBob(page: Page, context: BrowserContext, cdp: CDPSession, path: string): Promise<void> {
  const [name, value] = bob.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.url }]);
  await page.goto(new URL(path, server.url).href);
  await waitForController(page);
  await grantAll(cdp, server.url, ['notifications', 'backgroundSync']);
  await expect(page.getByTestId('signed-in-user')).toHaveText('bob');
}

/** The next message the virtual user agent decrypts, delivered as is to Chromium's worker. */
/**
 * Relays the push message carrying `body` to Chromium's worker. Messages before it are skipped: delivery is at
 * least once (a send that outlives its lease under load goes out again), so a late copy of an earlier test's
 * message may come first, and relaying that one would leave this test waiting for a notification never sent.
 */
async function relayPush(cdp: CDPSession, body: string): Promise<ReceivedMessage> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const message = await ua.nextMessage(Math.max(1, deadline - Date.now()));
    if (message.text === undefined) throw new Error(`no payload: ${message.error ?? 'empty push'}`);
    const shown = (JSON.parse(message.text) as { notification?: { body?: string } }).notification?.body;
    if (shown !== body) {
      // Worth seeing in a run's output: it tells a late duplicate from a push that never came.
      console.log(
        `relayPush: skipped a message for ${JSON.stringify(shown)} while waiting for ${JSON.stringify(body)}`,
      );
      continue;
    }
    await deliverPush(cdp, {
      origin: server.url,
      registrationId: await registrationId(cdp, server.url),
      data: message.text,
    });
    return message;
  }
}

function notifications(page: Page): Promise<{ title: string; body: string; tag: string }[]> {
  return page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
    })),
  );
}

async function chatWorker(context: BrowserContext): Promise<Worker> {
  return getServiceWorker(context, { urlIncludes: '/sw.js' });
}

test('A sends; app server -> push service -> virtual UA -> the same bytes by CDP: the right notification', async ({
  page,
  context,
  cdp,
}) => {
  await openAsBob(page, context, cdp, '/mail');
  const { publicKey } = (await (await fetch(new URL('/api/push/key', server.url))).json()) as { publicKey: string };
  const subscription = await ua.subscribe({ applicationServerKey: publicKey });
  const registered = await fetch(new URL('/api/push/subscriptions', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: bob },
    body: JSON.stringify({ endpoint: subscription.endpoint, keys: subscription.keys }),
  });
  expect(registered.status).toBe(201);

  expect(await sendChat(server.url, alice, 'bob', 'Hello from A')).toBe(201);
  const message = await relayPush(cdp, 'Hello from A');
  expect(JSON.parse(message.text ?? '')).toMatchObject({
    web_push: 8030,
    notification: { title: 'alice', body: 'Hello from A', tag: 'chat:alice' },
    app_badge: 1,
  });
  await expect
    .poll(() => notifications(page), { timeout: 20_000 })
    .toEqual([{ title: 'alice', body: 'Hello from A', tag: 'chat:alice' }]);
});

test('a click focuses the window showing the conversation, else navigates an app window, else opens one', async ({
  page,
  context,
  cdp,
}) => {
  await openAsBob(page, context, cdp, '/chat?with=carol');
  // A notification to click, shown while this page is open (here the previous test's notification is gone
  // once its tab closed).
  expect(await sendChat(server.url, alice, 'bob', 'Click me')).toBe(201);
  await relayPush(cdp, 'Click me');
  await expect
    .poll(async () => (await notifications(page)).map((n) => n.tag), { timeout: 20_000 })
    .toContain('chat:alice');
  const worker = await chatWorker(context);
  const target = new URL('/chat?with=alice', server.url).href;
  const plan = (at: string) =>
    worker.evaluate((url) => (self as unknown as ChatWorker).outpostChatPush.planClick(url), at);

  // No window shows alice's conversation: an app window is focused and then navigated there. This one runs for
  // real through a (synthetic) notificationclick on the shown notification; navigate() needs no user activation.
  expect((await plan(target)).plan.kind).toBe('focus-then-navigate');
  await worker.evaluate(async () => {
    const [notification] = await (self as unknown as WorkerScope).registration.getNotifications({
      tag: 'chat:alice',
    });
    if (!notification) throw new Error('no notification to click');
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
  });
  await expect(page).toHaveURL(target, { timeout: 10_000 });
  // The conversation on screen is marked read (through the chat outbox).
  await expect.poll(() => unreadCount(server.dataDir, 'bob'), { timeout: 15_000 }).toBe(0);

  // Now a window shows it: that window is focused, whatever else is open (uncontrolled windows included).
  const other = await context.newPage();
  await other.goto(new URL('/mail', server.url).href);
  const { plan: focus, windows } = await plan(target);
  expect(focus.kind).toBe('focus');
  expect(windows.find((w) => w.id === focus.windowId)?.url).toBe(target);
  expect(windows.length).toBeGreaterThanOrEqual(2);
  await other.close();

  // No window of the app at all: a new one is opened. A window that just left the app can stay in
  // clients.matchAll() for a moment (seen under load), so the plan is read until it has gone.
  await page.goto('about:blank');
  await expect.poll(async () => (await plan(target)).plan, { timeout: 10_000 }).toEqual({ kind: 'open', url: target });
});

test('"Mark as read" with the network off is queued; after reconnecting the server marks it read exactly once', async ({
  page,
  context,
  cdp,
}) => {
  await openAsBob(page, context, cdp, '/mail');
  expect(await sendChat(server.url, alice, 'bob', 'Read me later')).toBe(201);
  await relayPush(cdp, 'Read me later');
  await expect
    .poll(async () => (await notifications(page)).map((n) => n.body), { timeout: 20_000 })
    .toContain('Read me later');
  expect(await unreadCount(server.dataDir, 'bob')).toBe(1);
  const before = await readRequests(server.dataDir, 'bob', 'alice');

  await context.setOffline(true);
  const worker = await chatWorker(context);
  const outcome = await worker.evaluate(async () => {
    const [notification] = await (self as unknown as WorkerScope).registration.getNotifications({
      tag: 'chat:alice',
    });
    if (!notification) throw new Error('no notification');
    return (self as unknown as ChatWorker).outpostChatPush.click(notification, 'mark-read');
  });
  expect(outcome).toMatchObject({ kind: 'action', action: 'mark-read', badge: 0 });
  expect(outcome.queued).toEqual(expect.any(String));
  // Offline: stored, not sent.
  const state = () =>
    page.evaluate(
      (id) =>
        new Promise<string>((resolve, reject) => {
          const open = indexedDB.open('outpost-outbox');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction('items').objectStore('items').index('id').get(id);
            request.onsuccess = () => resolve((request.result as { state: string } | undefined)?.state ?? 'missing');
            request.onerror = () => reject(request.error);
          };
        }),
      outcome.queued as string,
    );
  await expect.poll(state, { timeout: 10_000 }).toBe('pending');
  expect(await readRequests(server.dataDir, 'bob', 'alice')).toBe(before);
  expect(await notifications(page)).toEqual([]);

  await context.setOffline(false);
  await expect.poll(state, { timeout: 20_000 }).toBe('sent');
  expect(await readRequests(server.dataDir, 'bob', 'alice')).toBe(before + 1);
  expect(await unreadCount(server.dataDir, 'bob')).toBe(0);
  // Replays after reconnecting (page load, fetches) send nothing more.
  await page.reload();
  await waitForController(page);
  await page.waitForTimeout(1000);
  expect(await readRequests(server.dataDir, 'bob', 'alice')).toBe(before + 1);
});
