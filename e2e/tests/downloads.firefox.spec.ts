import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import {
  expectRangesFromStore,
  get,
  playAndSeek,
  type Run,
  served,
  sha256,
  start,
  waitFor,
} from '../fixtures/downloads/scenario.js';
import { type DownloadsServer, startDownloadsServer } from '../fixtures/downloads/server.js';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';

// Issue 13, "must show", in Firefox: no Background Fetch, so the page's streamed, resumable fallback does the
// work. The server goes away mid-download and comes back; the page reloads mid-download; the file changes on
// the server mid-download. Each time the bytes must end identical to the server's file, and play offline.
test.describe.configure({ mode: 'serial' });

let server: DownloadsServer;
let firefox: LaunchedFirefox;
let page: Page;

test.beforeAll(async () => {
  [server, firefox] = await Promise.all([startDownloadsServer(30), launchFirefox()]);
});

test.beforeEach(async () => {
  page = await firefox.browser.newPage();
});

test.afterEach(async () => {
  server.bytesPerSecond = 0;
  await server.restart();
  await page?.close().catch(() => undefined);
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.stop();
});

const run: Run = (fn, arg) => page.evaluate(fn as (arg: unknown) => Promise<never>, arg);

async function open(): Promise<void> {
  await page.goto(server.url);
  await waitForController(page);
  await page.waitForFunction(() => window.test !== undefined, { timeout: 10_000 });
}

const size = (name: string) => server.tracks.get(name)?.body.length ?? 0;
const gets = (name: string) => server.requests.filter((r) => r.name === name && r.method === 'GET');

test('progress; the server stops mid-download and comes back: it resumes from the stored offset, then plays offline', async () => {
  test.setTimeout(90_000);
  await open();
  server.bytesPerSecond = 300_000;
  const started = await start(run, 't1', ['/tracks/t1.wav'], 'Track one');
  expect(started.mode).toBe('fallback');

  const first = await waitFor(run, 't1', (d) => d.bytesDone > 0);
  const later = await waitFor(run, 't1', (d) => d.bytesDone > first.bytesDone);
  expect(later.bytesDone).toBeLessThan(size('t1'));
  expect(later.bytesTotal ?? size('t1')).toBe(size('t1'));

  await server.stop();
  const waiting = await waitFor(run, 't1', (d) => d.waitingForNetwork === true, 15_000);
  await page.waitForSelector('li[data-id="t1"][data-waiting="true"]', { timeout: 5_000 });
  const offset = waiting.bytesDone;
  expect(offset).toBeGreaterThan(0);
  expect(offset).toBeLessThan(size('t1'));
  // Nothing is written while the server is away.
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect((await get(run, 't1'))?.bytesDone).toBe(offset);

  server.bytesPerSecond = 0;
  await server.restart();
  const done = await waitFor(run, 't1', (d) => d.state === 'succeeded', 30_000);
  expect(done.bytesDone).toBe(size('t1'));
  expect(gets('t1').map((r) => [r.range, r.ifRange])).toContainEqual([`bytes=${offset}-`, '"t1-v1"']);

  await server.stop();
  const whole = await sha256(run, '/tracks/t1.wav');
  expect(whole).toEqual({ status: 200, from: 't1', hash: server.sha256('t1') });
  const played = await playAndSeek(run, '/tracks/t1.wav');
  expect(played.error).toBeUndefined();
  expect(played.playing).toBe(true);
  expect(played.seekedTo).toBeGreaterThan(10);
  expect(played.reached).toBeGreaterThan(played.seekedTo);
  // Firefox's media element read the stored file in one ranged request; the store answers any seek with a 206.
  const answers = (await served(run)).filter((s) => s.url.endsWith('/tracks/t1.wav'));
  expect(answers.some((s) => s.status === 206)).toBe(true);
  await expectRangesFromStore(run, '/tracks/t1.wav', 't1', size('t1'));
});

test('a reload mid-download resumes after the reload', async () => {
  await open();
  server.bytesPerSecond = 300_000;
  await start(run, 't2', ['/tracks/t2.wav'], 'Track two');
  await waitFor(run, 't2', (d) => d.bytesDone >= 256 * 1024);
  await page.reload();
  await page.waitForFunction(() => window.test !== undefined, { timeout: 10_000 });
  server.bytesPerSecond = 0;
  const done = await waitFor(run, 't2', (d) => d.state === 'succeeded', 30_000);
  expect(done.bytesDone).toBe(size('t2'));
  const resumed = gets('t2').filter((r) => r.range !== undefined);
  expect(resumed.length).toBeGreaterThan(0);
  expect(Number(/^bytes=(\d+)-$/.exec(resumed[0]?.range ?? '')?.[1])).toBeGreaterThanOrEqual(256 * 1024);
  expect(await sha256(run, '/tracks/t2.wav')).toEqual({ status: 200, from: 't2', hash: server.sha256('t2') });
});

test('a file changed on the server mid-download starts over from 0 and ends identical to the new file', async () => {
  await open();
  server.bytesPerSecond = 300_000;
  await start(run, 't3', ['/tracks/t3.wav'], 'Track three');
  await waitFor(run, 't3', (d) => d.bytesDone > 0);
  await server.stop();
  const waiting = await waitFor(run, 't3', (d) => d.waitingForNetwork === true, 15_000);
  const oldHash = server.sha256('t3');
  server.changeTrack('t3');
  expect(server.sha256('t3')).not.toBe(oldHash);
  server.bytesPerSecond = 0;
  await server.restart();
  const done = await waitFor(run, 't3', (d) => d.state === 'succeeded', 30_000);
  expect(done.bytesDone).toBe(size('t3'));
  // It asked to continue the old version; the server answered with the whole new one, stored from byte 0.
  expect(gets('t3').map((r) => [r.range, r.ifRange])).toContainEqual([`bytes=${waiting.bytesDone}-`, '"t3-v1"']);
  expect(await sha256(run, '/tracks/t3.wav')).toEqual({ status: 200, from: 't3', hash: server.sha256('t3') });
});
