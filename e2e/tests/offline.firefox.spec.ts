import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { type LaunchedFirefox, launchFirefox, waitForController } from '../harness/firefox.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';

// Issue 2, "must show", in Firefox: the demo's shell renders from the worker's cache with the server gone.

const SECTIONS = ['nav-music', 'nav-mail', 'nav-chat', 'nav-news'];

let server: DemoServer;
let firefox: LaunchedFirefox;

test.beforeAll(async () => {
  server = await startDemoServer();
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

/** The visible text of every `data-testid` element of the shell, waiting for the shell to render. */
async function shellTexts(page: Page): Promise<Record<string, string>> {
  await page.waitForSelector('[data-testid="app-shell"]', { visible: true, timeout: 10_000 });
  return page.evaluate(
    (ids: string[]) => {
      const visible = (el: Element | null) => {
        if (!el) return false;
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility === 'visible';
      };
      const texts: Record<string, string> = {};
      for (const id of ids) {
        const el = document.querySelector(`[data-testid="${id}"]`);
        texts[id] = el && visible(el) ? (el.textContent ?? '').trim() : '(not visible)';
      }
      return texts;
    },
    ['app-name', ...SECTIONS],
  );
}

function health(page: Page): Promise<number | string> {
  return page.evaluate(async () => {
    try {
      return (await fetch('/api/health', { cache: 'no-store' })).status;
    } catch {
      return 'network error';
    }
  });
}

test('the shell renders from the cache while the server is stopped, and works online again', async () => {
  const page = await firefox.browser.newPage();
  try {
    await page.goto(server.url);
    await shellTexts(page);
    await waitForController(page);
    expect(await health(page)).toBe(200);

    await server.stop();
    await page.reload();
    const offline = await shellTexts(page);
    expect(offline['app-name']).toBe('Outpost');
    for (const section of SECTIONS) expect(offline[section]).not.toBe('(not visible)');
    expect(await health(page)).not.toBe(200);

    await server.restart();
    await page.reload();
    await shellTexts(page);
    expect(await health(page)).toBe(200);
  } finally {
    await page.close();
  }
});
