/** Debian's Chromium. Playwright must never download a browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags this closed network needs (docs/testing.md, "Browser facts for testing your own app"): without them
 * Chromium spends its time on QUIC probes, component updates and sync sign-in attempts against hosts it can
 * never reach. Shared by the Playwright
 * config and the browser benchmarks so every Chromium here starts the same way.
 *
 * @example
 * const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
