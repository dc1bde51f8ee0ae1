import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './harness/chromium-launch.js';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // Each file gets its own browser profile (see harness/chromium.ts); tests inside a file share it, in order.
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalTimeout: 20 * 60_000,
  use: {
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] },
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
  },
  projects: [
    {
      name: 'chromium',
      testMatch: /\.spec\.ts$/,
      testIgnore: /\.firefox\.spec\.ts$/,
    },
    {
      // Firefox specs drive /usr/bin/firefox-esr through puppeteer-core (WebDriver BiDi); see harness/firefox.ts.
      name: 'firefox',
      testMatch: /\.firefox\.spec\.ts$/,
    },
  ],
});
