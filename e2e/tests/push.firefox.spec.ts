import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { createPushService, type PushService, pushServiceLogger } from '@outpost/push-service';
import {
  generateVapidKeys,
  PushHttpClient,
  type PushSubscriptionJSON,
  type SendOptions,
  sendNotification,
  type VapidKeys,
} from '@outpost/webpush';
import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import webpush from 'web-push';
import { PUSH_FIXTURE_ROOT } from '../fixtures/push/push-fixture.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';
import { freePort, type RestartableServer, startStaticServer } from '../harness/servers.js';

// A real Firefox using our push service end to end: the page subscribes, Firefox registers with
// @outpost/push-service over the Mozilla WebSocket protocol, application servers POST encrypted messages
// (with the independent `web-push` library and with our own sender), Firefox decrypts them and fires `push`.
//
// web-push only speaks HTTPS, so application servers reach the service through a TLS terminator, as in a real
// deployment: the service's --public-url is the terminator's https origin (endpoints and the VAPID audience),
// while Firefox talks to the service's own ws:// port.

const SUBJECT = 'mailto:e2e@outpost.test';

let dataDir: string;
let service: PushService;
let site: RestartableServer;
let firefox: LaunchedFirefox;
let page: Page;
let vapid: VapidKeys;
let subscription: PushSubscriptionJSON;
let firstHello: Promise<string>;
let terminator: Server;
let ca: string;
let ourClient: PushHttpClient;

/** A self-signed certificate for 127.0.0.1 (openssl from Debian). */
function selfSigned(dir: string): { cert: string; key: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

/** Terminates TLS on `port` and forwards the bytes to the push service's plain port. */
async function startTlsTerminator(port: number, target: number, pem: { cert: string; key: string }) {
  const server = createTlsServer(pem, (tls) => {
    const upstream = connect(target, '127.0.0.1');
    tls.pipe(upstream).pipe(tls);
    const end = () => {
      tls.destroy();
      upstream.destroy();
    };
    tls.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

function ourOptions(keys: VapidKeys): SendOptions {
  return { vapid: { keys, subject: SUBJECT }, ttl: 60, client: ourClient };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)),
  ]);
}

let servicePort: number;
let publicUrl: string;
let uaid: string;

/** Starts the push service on its fixed port and database, so a restart keeps endpoints and UAIDs. */
async function startPushService(logName: string): Promise<PushService> {
  const started = await createPushService({
    db: join(dataDir, 'push.db'),
    secrets: ['e2e endpoint secret, long enough'],
    port: servicePort,
    publicUrl,
    logger: pushServiceLogger(createWriteStream(test.info().outputPath(logName))),
  });
  await started.listen();
  return started;
}

function nextHello(of: PushService): Promise<string> {
  return new Promise((resolve) => of.core.events.once('hello', resolve));
}

async function receivedTexts(): Promise<(string | null)[]> {
  return (await page.evaluate(() => window.pushFixture.received())).map((p) => p.text);
}

test.beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-e2e-push-'));
  const pem = selfSigned(dataDir);
  ca = pem.cert;
  ourClient = new PushHttpClient({ ca });
  const [port, tlsPort] = [await freePort(), await freePort()];
  servicePort = port;
  publicUrl = `https://127.0.0.1:${tlsPort}`;
  service = await startPushService('push-service.log');
  terminator = await startTlsTerminator(tlsPort, port, pem);
  firstHello = nextHello(service);
  site = await startStaticServer({ root: PUSH_FIXTURE_ROOT });
  vapid = await generateVapidKeys();
  firefox = await launchFirefox({ pushServerUrl: service.wsUrl });
  page = await firefox.browser.newPage();
});

test.afterAll(async () => {
  await page?.close().catch(() => undefined);
  await firefox?.close();
  await site?.close();
  await ourClient?.close();
  await new Promise((resolve) => (terminator ? terminator.close(resolve) : resolve(undefined)));
  await service?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('Firefox connects to our push service and the page subscribes with an applicationServerKey', async () => {
  // Firefox drops a subscribe sent before its push connection is up: wait for its hello first.
  uaid = await within(firstHello, 30_000, 'Firefox hello');
  expect(uaid).toMatch(/^[0-9a-f]{32}$/);
  await page.goto(site.url);
  await waitForController(page);
  subscription = await page.evaluate((key) => window.pushFixture.subscribe(key), vapid.publicKey);
  expect(subscription.endpoint.startsWith(`${service.core.publicUrl}/push/`)).toBe(true);
  expect(subscription.keys.p256dh).toMatch(/^[A-Za-z0-9_-]{87}$/);
  expect(service.core.registry.get(uaid)).toBeDefined();
});

test('a message sent with web-push and one sent with @outpost/webpush arrive decrypted in the SW push event', async () => {
  const fromWebPush = await webpush.sendNotification(
    { endpoint: subscription.endpoint, keys: { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth } },
    'hello from web-push',
    {
      vapidDetails: { subject: SUBJECT, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: 60,
      agent: new Agent({ ca }),
    },
  );
  expect(fromWebPush.statusCode).toBe(201);

  const ours = await sendNotification(subscription, 'hello from @outpost/webpush', ourOptions(vapid));
  expect(ours.result).toBe('delivered');

  await expect.poll(receivedTexts, { timeout: 20_000 }).toEqual(['hello from web-push', 'hello from @outpost/webpush']);
});

test('legacy aesgcm (web-push) arrives decrypted too: the Encryption and Crypto-Key headers reach Firefox', async () => {
  const sent = await webpush.sendNotification(
    { endpoint: subscription.endpoint, keys: { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth } },
    'hello in aesgcm',
    {
      vapidDetails: { subject: SUBJECT, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: 60,
      contentEncoding: 'aesgcm',
      agent: new Agent({ ca }),
    },
  );
  expect(sent.statusCode).toBe(201);
  await expect.poll(receivedTexts, { timeout: 20_000 }).toContain('hello in aesgcm');
});

test('after a restart of the push service Firefox comes back with its UAID and gets what was stored meanwhile', async () => {
  await service.close(); // close frames: Firefox reconnects with backoff (dom.push.retryBaseInterval = 500 ms)
  service = await startPushService('push-service-restarted.log');
  const hello = nextHello(service);
  const stored = await sendNotification(subscription, 'stored while Firefox was away', ourOptions(vapid));
  expect(stored.result).toBe('delivered');
  expect(await within(hello, 30_000, 'Firefox reconnecting')).toBe(uaid);
  await expect.poll(receivedTexts, { timeout: 20_000 }).toContain('stored while Firefox was away');
});

test('a push from another application server key is refused for this restricted subscription', async () => {
  const other = await generateVapidKeys();
  const result = await sendNotification(subscription, 'wrong key', ourOptions(other));
  expect(result).toMatchObject({ result: 'rejected', status: 403 });
});

test('unsubscribe reaches the push service, and the endpoint is gone afterwards', async () => {
  const unregistered = new Promise<string>((resolve) =>
    service.core.events.once('unregister', (_uaid, channelID) => resolve(channelID)),
  );
  expect(await page.evaluate(() => window.pushFixture.unsubscribe())).toBe(true);
  await within(unregistered, 20_000, 'unregister');
  const after = await sendNotification(subscription, 'too late', ourOptions(vapid));
  expect(after).toMatchObject({ result: 'expired', status: 410 });
});
