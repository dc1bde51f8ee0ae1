import { type LabApi, labEvents, labNotifications, SW_LAB_ROOT } from '../fixtures/sw-lab/lab-api.js';
import { recordBackgroundServices } from '../harness/background-service.js';
import { expect, test } from '../harness/chromium.js';
import { deliverPush, dispatchPeriodicSync, dispatchSync } from '../harness/dispatch.js';
import { grantAll } from '../harness/permissions.js';
import { type RestartableServer, startStaticServer } from '../harness/servers.js';
import {
  getServiceWorker,
  registrationId,
  stopAllWorkers,
  trackServiceWorkers,
  waitForController,
} from '../harness/sw.js';

// The harness proving itself on a hand-written worker (fixtures/sw-lab), independent of the demo app.
// Tests run in order on one profile: the first installs the worker, the others use it.

let server: RestartableServer;

test.beforeAll(async () => {
  server = await startStaticServer({ root: SW_LAB_ROOT });
});

test.afterAll(async () => {
  await server.close();
});

test('a registered worker controls the page and can be evaluated in', async ({ page, context }) => {
  await page.goto(server.url);
  const scriptURL = await waitForController(page);
  expect(scriptURL).toBe(new URL('sw.js', server.url).href);
  const worker = await getServiceWorker(context, { urlIncludes: '/sw.js' });
  expect(
    await worker.evaluate(() => (self as unknown as { registration: ServiceWorkerRegistration }).registration.scope),
  ).toBe(server.url);
});

test('dispatchSync fires sync with its tag and lastChance; the record survives stopping the worker', async ({
  page,
  cdp,
}) => {
  await page.goto(server.url);
  await waitForController(page);
  const id = await registrationId(cdp, server.url);
  await dispatchSync(cdp, { origin: server.url, registrationId: id, tag: 'lab-sync', lastChance: true });
  await expect
    .poll(async () => (await labEvents(page)).filter((e) => e.type === 'sync'))
    .toEqual([expect.objectContaining({ type: 'sync', tag: 'lab-sync', lastChance: true })]);

  await stopAllWorkers(cdp);
  const tracker = await trackServiceWorkers(cdp);
  expect(tracker.versions().map((v) => v.runningStatus)).not.toContain('running');
  expect((await labEvents(page)).filter((e) => e.type === 'sync')).toEqual([
    expect.objectContaining({ tag: 'lab-sync', lastChance: true }),
  ]);
});

test('grantAll grants every background permission at once; dispatchPeriodicSync then fires', async ({ page, cdp }) => {
  await page.goto(server.url);
  await waitForController(page);
  await grantAll(cdp, server.url);
  const states = await page.evaluate(async () => {
    const names = ['notifications', 'background-sync', 'periodic-background-sync', 'background-fetch'];
    const results = await Promise.all(
      names.map((name) => navigator.permissions.query({ name } as unknown as PermissionDescriptor)),
    );
    return Object.fromEntries(names.map((name, i) => [name, results[i]?.state]));
  });
  expect(states).toEqual({
    notifications: 'granted',
    'background-sync': 'granted',
    'periodic-background-sync': 'granted',
    'background-fetch': 'granted',
  });

  // The page can now register a periodic sync (it is refused while the permission is denied) ...
  await page.evaluate(() => (window as unknown as { lab: LabApi }).lab.registerPeriodicSync('lab-periodic'));
  // ... which never fires by itself in a test: the harness fires it.
  const id = await registrationId(cdp, server.url);
  await dispatchPeriodicSync(cdp, { origin: server.url, registrationId: id, tag: 'lab-periodic' });
  await expect
    .poll(async () => (await labEvents(page)).filter((e) => e.type === 'periodicsync'))
    .toEqual([expect.objectContaining({ tag: 'lab-periodic' })]);
});

test('deliverPush delivers its data; the worker shows a notification', async ({ page, cdp }) => {
  await page.goto(server.url);
  await waitForController(page);
  await grantAll(cdp, server.url);
  const id = await registrationId(cdp, server.url);
  const data = JSON.stringify({ title: 'hello', n: 1 });
  await deliverPush(cdp, { origin: server.url, registrationId: id, data });
  await expect
    .poll(async () => (await labEvents(page)).filter((e) => e.type === 'push'))
    .toEqual([expect.objectContaining({ data, notification: 'shown' })]);
  await expect
    .poll(() => labNotifications(page))
    .toEqual([{ title: 'Lab push', body: data, tag: 'lab-push', data: { data } }]);
});

test('a BackgroundService recording shows the sync the browser dispatched', async ({ page, cdp }) => {
  await page.goto(server.url);
  await waitForController(page);
  const log = await recordBackgroundServices(cdp, ['backgroundSync']);
  try {
    const id = await registrationId(cdp, server.url);
    await dispatchSync(cdp, { origin: server.url, registrationId: id, tag: 'recorded-sync' });
    const dispatched = await log.waitFor((e) => e.instanceId === 'recorded-sync');
    expect(dispatched).toEqual({
      service: 'backgroundSync',
      eventName: 'Dispatched sync event',
      origin: server.url,
      serviceWorkerRegistrationId: id,
      instanceId: 'recorded-sync',
      metadata: { 'Last Chance': 'No' },
    });
  } finally {
    await log.stop();
  }
});

test('the page works offline from the cache while the server is stopped, and online after a restart', async ({
  page,
}) => {
  await page.goto(server.url);
  await waitForController(page);
  const probe = () =>
    page.evaluate(async () => {
      try {
        return (await fetch(`/not-cached-${Date.now()}`)).status;
      } catch {
        return 'network error';
      }
    });
  expect(await probe()).toBe(404);

  await server.stop();
  await page.reload();
  await expect(page.getByTestId('lab-title')).toHaveText('SW lab');
  expect(await probe()).toBe('network error');

  await server.restart();
  await page.reload();
  await expect(page.getByTestId('lab-title')).toHaveText('SW lab');
  expect(await probe()).toBe(404);
});

test('a background fetch completes and the recording shows it', async ({ page, cdp }) => {
  // The first background fetch of a browser starts 2-4 s late (docs/testing.md).
  test.setTimeout(60_000);
  await page.goto(server.url);
  await waitForController(page);
  const log = await recordBackgroundServices(cdp, ['backgroundFetch']);
  try {
    await page.evaluate(() => (window as unknown as { lab: LabApi }).lab.backgroundFetch('lab-fetch', ['payload.txt']));
    await expect
      .poll(async () => (await labEvents(page)).filter((e) => e.type.startsWith('backgroundfetch')), {
        timeout: 20_000,
      })
      .toEqual([
        expect.objectContaining({ type: 'backgroundfetchsuccess', id: 'lab-fetch', bodies: ['lab payload\n'] }),
      ]);
    const events = log.events().filter((e) => e.instanceId === 'lab-fetch');
    expect(events.map((e) => e.eventName)).toContain('Background Fetch started');
  } finally {
    await log.stop();
  }
});

test('the registration survives a browser relaunch on the same profile', async ({ profile }) => {
  await server.stop();
  try {
    const context = await profile.relaunch();
    const page = await context.newPage();
    // Offline from the first request: only a worker restored from the profile on disk can answer.
    await page.goto(server.url);
    await expect(page.getByTestId('lab-title')).toHaveText('SW lab');
    await waitForController(page);
  } finally {
    await server.restart();
  }
});
