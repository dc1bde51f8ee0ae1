import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, test as base, type CDPSession, chromium, type LaunchOptions } from '@playwright/test';

/**
 * The browser profile of the current test file: one persistent Chromium context on its own fresh directory.
 *
 * Persistent (not `browser.newContext()`), because a real profile on disk is what keeps service worker
 * registrations, caches and IndexedDB across a relaunch — the "tab closed / browser restarted" scenarios.
 */
export interface ChromiumProfile {
  /** The profile directory (deleted when the file's tests are done). */
  readonly dir: string;
  /** The live context; replaced by {@link ChromiumProfile.relaunch}. */
  readonly context: BrowserContext;
  /**
   * Closes the browser and starts it again on the same profile directory, like a user quitting and reopening
   * Chromium. Pages and CDP sessions of the old context are gone afterwards; use the returned context.
   */
  relaunch(): Promise<BrowserContext>;
}

interface ProfileSlot {
  file: string;
  profile: ChromiumProfile;
  close(): Promise<void>;
}

interface ProfileRegistry {
  /** Returns the profile for `file`, closing the previous file's profile first if the file changed. */
  forFile(file: string): Promise<ChromiumProfile>;
  closeCurrent(): Promise<void>;
}

async function openProfile(file: string, launch: () => LaunchOptions): Promise<ProfileSlot> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-e2e-chromium-'));
  const start = () => chromium.launchPersistentContext(dir, { ...launch() });
  let context = await start();
  const profile: ChromiumProfile = {
    dir,
    get context() {
      return context;
    },
    async relaunch() {
      await context.close();
      context = await start();
      return context;
    },
  };
  return {
    file,
    profile,
    async close() {
      await context.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Fixtures for Chromium specs. */
export interface ChromiumFixtures {
  /** The current file's profile (see {@link ChromiumProfile}). */
  profile: ChromiumProfile;
  /** A CDP session attached to the test's `page`, detached after the test. */
  cdp: CDPSession;
}

interface ChromiumWorkerFixtures {
  profileRegistry: ProfileRegistry;
}

/**
 * Playwright Test's `test`, with `context` and `page` replaced: `context` is the persistent context of a fresh
 * profile made for the current test FILE (tests of one file share it in order, the next file starts clean),
 * `page` is a new tab in it for each test (closed afterwards, the profile stays; its console is attached to a
 * failing test's report), and `cdp` is a CDP session on that tab for the ServiceWorker / Browser /
 * BackgroundService domains.
 *
 * @example
 * ```ts
 * import { expect, test } from '../harness/chromium.js';
 * test('controls the page', async ({ page }) => {
 *   await page.goto(url);
 *   await waitForController(page);
 * });
 * ```
 */
export const test = base.extend<ChromiumFixtures, ChromiumWorkerFixtures>({
  profileRegistry: [
    async ({ launchOptions, headless }, use) => {
      let current: ProfileSlot | undefined;
      const registry: ProfileRegistry = {
        async forFile(file) {
          if (current?.file === file) return current.profile;
          await registry.closeCurrent();
          current = await openProfile(file, () => ({ ...launchOptions, headless }));
          return current.profile;
        },
        async closeCurrent() {
          const slot = current;
          current = undefined;
          await slot?.close();
        },
      };
      await use(registry);
      await registry.closeCurrent();
    },
    { scope: 'worker' },
  ],
  profile: async ({ profileRegistry }, use, testInfo) => {
    await use(await profileRegistry.forFile(testInfo.file));
  },
  context: async ({ profile }, use) => {
    await use(profile.context);
  },
  page: async ({ profile }, use, testInfo) => {
    const page = await profile.context.newPage();
    // What the page said is often the only clue to a failure (a CSP violation, a rejected registration).
    const log: string[] = [];
    page.on('console', (message) => log.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => log.push(`[pageerror] ${error.message}`));
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus && log.length > 0) {
      await testInfo.attach('page console', { body: log.join('\n'), contentType: 'text/plain' });
    }
    await page.close().catch(() => undefined);
  },
  cdp: async ({ profile, page }, use) => {
    const session = await profile.context.newCDPSession(page);
    await use(session);
    await session.detach().catch(() => undefined);
  },
});

export { expect } from '@playwright/test';
