import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { controllerWithin } from './in-page.js';
import { DEFAULT_SW_TIMEOUT_MS, type WaitOptions } from './sw.js';

/** Debian's Firefox ESR; puppeteer-core never downloads a browser. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/** A Firefox preference value. */
export type FirefoxPref = string | number | boolean;

/** Options of {@link firefoxPrefs} and {@link launchFirefox}. */
export interface FirefoxPrefsOptions {
  /**
   * The push service Firefox's push client connects to (`ws://127.0.0.1:<port>/`), e.g. our own
   * `@outpost/push-service`. Without it the push connection stays off, so Firefox never tries to reach
   * Mozilla's service from this closed network (`pushManager` still exists; subscribe fails).
   */
  pushServerUrl?: string;
  /** More prefs; they win over the defaults. */
  prefs?: Record<string, FirefoxPref>;
}

/**
 * The prefs a test profile needs (docs/testing.md, "Browser facts for testing your own app"): notifications
 * allowed without a prompt and shown without D-Bus, push pointed at our own service over plain ws:// with fast reconnects and a quota large enough for
 * many silent pushes, and the network chatter of a fresh profile turned off.
 *
 * @example
 * ```ts
 * firefoxPrefs({ pushServerUrl: `ws://127.0.0.1:${port}/` })['dom.push.serverURL']; // 'ws://127.0.0.1:…/'
 * ```
 */
export function firefoxPrefs(options: FirefoxPrefsOptions = {}): Record<string, FirefoxPref> {
  const push: Record<string, FirefoxPref> = options.pushServerUrl
    ? {
        'dom.push.serverURL': options.pushServerUrl,
        'dom.push.testing.allowInsecureServerURL': true,
        'dom.push.connection.enabled': true,
        'dom.push.retryBaseInterval': 500,
        'dom.push.maxQuotaPerSubscription': 1000,
      }
    : { 'dom.push.connection.enabled': false };
  return {
    'dom.push.enabled': true,
    ...push,
    'dom.serviceWorkers.enabled': true,
    'permissions.default.desktop-notification': 1,
    'alerts.useSystemBackend': false,
    // Nothing outside this machine is reachable: stop a fresh profile from trying.
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'browser.safebrowsing.update.enabled': false,
    'browser.safebrowsing.downloads.remote.enabled': false,
    'app.update.enabled': false,
    'extensions.update.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    ...options.prefs,
  };
}

/** Options of {@link launchFirefox}. */
export interface LaunchFirefoxOptions extends FirefoxPrefsOptions {
  /**
   * Reuse this profile directory (e.g. to relaunch on a profile where a worker was registered); by default a
   * fresh temp profile is created and removed by `close()`.
   */
  profileDir?: string;
}

/** A launched Firefox and how to get rid of it. */
export interface LaunchedFirefox {
  browser: Browser;
  profileDir: string;
  /** Closes the browser and removes the profile directory if the harness created it. */
  close(): Promise<void>;
}

/**
 * Launches headless Firefox ESR with {@link firefoxPrefs} on a fresh profile, driven over WebDriver BiDi.
 *
 * @example
 * ```ts
 * const firefox = await launchFirefox();
 * try {
 *   const page = await firefox.browser.newPage();
 *   await page.goto(server.url);
 *   await waitForController(page);
 * } finally {
 *   await firefox.close();
 * }
 * ```
 */
export async function launchFirefox(options: LaunchFirefoxOptions = {}): Promise<LaunchedFirefox> {
  const ownsProfile = options.profileDir === undefined;
  const profileDir = options.profileDir ?? (await mkdtemp(join(tmpdir(), 'outpost-e2e-firefox-')));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir: profileDir,
      extraPrefsFirefox: firefoxPrefs(options),
      timeout: 30_000,
    });
  } catch (error) {
    if (ownsProfile) await rm(profileDir, { recursive: true, force: true });
    throw error;
  }
  return {
    browser,
    profileDir,
    async close() {
      await browser.close().catch(() => undefined);
      if (ownsProfile) await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits, inside a puppeteer page, until a service worker controls it; returns the controller's script URL.
 * The Firefox twin of `waitForController` in sw.ts (the same in-page code).
 */
export async function waitForController(page: Page, options: WaitOptions = {}): Promise<string> {
  return page.evaluate(controllerWithin, options.timeout ?? DEFAULT_SW_TIMEOUT_MS);
}
