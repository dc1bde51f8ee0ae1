import { defineConfig } from '@playwright/test';

/**
 * Flags this closed network needs (see /work/shared/TESTING.md): without them Chromium spends its time on
 * QUIC probes, component updates and sync sign-in attempts against hosts it can never reach.
 */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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
    // Debian's Chromium; Playwright must never download a browser of its own.
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
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
