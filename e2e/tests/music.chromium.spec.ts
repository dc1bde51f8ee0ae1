import type { Page } from '@playwright/test';
import { expect, test } from '../harness/chromium.js';
import { type DemoServer, startDemoServer } from '../harness/servers.js';
import { waitForController } from '../harness/sw.js';

// The reference app's Music section in Chromium: a track downloaded from the page (Background Fetch here) shows
// its labelled progress and ends available offline; with the app server stopped, /music reloads from the
// precached shell and the track plays, and seeks, from the downloads store. Music needs no account.
let server: DemoServer;

test.beforeAll(async () => {
  server = await startDemoServer({ env: { NEWS_PUBLISH_EVERY_MS: '0' } });
});

test.afterAll(async () => {
  await server?.close();
});

const track = (page: Page, id: string) => page.locator(`[data-testid="music-track"][data-id="${id}"]`);

/** Plays the page's own <audio> of a track, muted: resolves once it is playing and its time moved on, then again after a seek. */
function playInPage(
  id: string,
): Promise<
  { playing: boolean; from: number; reached: number; seekedTo: number; afterSeek: number } | { error: string }
> {
  return new Promise((resolve) => {
    const audio = document.querySelector<HTMLAudioElement>(`[data-testid="music-track"][data-id="${id}"] audio`);
    if (!audio) return resolve({ error: 'no audio element' });
    audio.muted = true;
    let playing = false;
    let from = -1;
    let reached = -1;
    let seekedTo = -1;
    audio.onerror = () => resolve({ error: `media error ${audio.error?.code} ${audio.error?.message}` });
    audio.onplaying = () => {
      playing = true;
      if (from < 0) from = audio.currentTime;
    };
    audio.ontimeupdate = () => {
      if (!playing) return;
      if (reached < 0 && audio.currentTime > from + 0.3) {
        reached = audio.currentTime;
        // Into the middle: bytes the element has not read yet, asked for with a Range.
        audio.currentTime = audio.duration / 2;
        return;
      }
      if (seekedTo >= 0 && audio.currentTime > seekedTo + 0.3) {
        audio.pause();
        resolve({ playing, from, reached, seekedTo, afterSeek: audio.currentTime });
      }
    };
    audio.onseeked = () => {
      seekedTo = audio.currentTime;
    };
    audio.play().catch((error: unknown) => resolve({ error: String(error) }));
  });
}

test('a downloaded track shows its progress, then plays and seeks offline from the store', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(new URL('/music', server.url).href);
  await waitForController(page);
  await expect(page.getByTestId('view-music')).toBeVisible();
  await expect(page.getByTestId('music-track')).toHaveCount(3);
  await expect(page.getByTestId('music-library-empty')).toBeVisible();
  const size = await page.evaluate(async () => {
    const { tracks } = (await (await fetch('/api/music/tracks')).json()) as { tracks: { id: string; size: number }[] };
    return tracks.find((t) => t.id === 'dawn')?.size ?? 0;
  });
  expect(size).toBeGreaterThan(1_000_000);

  // Every progress bar the page shows, with its accessible name, as the download goes (it may be brief).
  await page.evaluate(() => {
    const seen: { name: string; max: string | null }[] = [];
    (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('progress')) {
        const label = bar.id ? document.querySelector(`label[for="${bar.id}"]`)?.textContent : undefined;
        seen.push({ name: label ?? '', max: bar.getAttribute('max') });
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await track(page, 'dawn').getByTestId('music-download').click();
  await expect(track(page, 'dawn')).toHaveAttribute('data-state', 'succeeded', { timeout: 45_000 });
  const seen = await page.evaluate(
    () => (window as unknown as { progressSeen: { name: string; max: string | null }[] }).progressSeen,
  );
  expect(seen).toContainEqual({ name: 'Downloading Dawn Chorus', max: String(size) });
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  // Done: the library lists it whole, and the filter keeps only it.
  const item = page.locator('[data-testid="music-library-item"][data-id="music-dawn"]');
  await expect(item).toHaveAttribute('data-state', 'succeeded');
  await expect(item).toContainText('Available offline');
  await expect(item).toContainText('1.8 MB of 1.8 MB');
  await expect(page.getByTestId('music-usage')).toContainText(/MB used of/);
  await expect(page.getByTestId('music-persisted')).toHaveAttribute('data-persisted', /^(true|false)$/);
  await page.getByTestId('music-offline-only').check();
  await expect(page.getByTestId('music-track')).toHaveCount(1);
  await expect(track(page, 'dawn')).toBeVisible();

  await server.stop();
  try {
    await page.reload();
    await expect(page.getByTestId('view-music')).toBeVisible();
    await expect(page.getByTestId('music-stale')).toBeVisible();
    await expect(track(page, 'dawn')).toHaveAttribute('data-state', 'succeeded');
    // The server is gone: the worker answers from the downloads store, and says so.
    const whole = await page.evaluate(async () => {
      const response = await fetch('/api/music/tracks/dawn/audio');
      return {
        status: response.status,
        from: response.headers.get('x-outpost-download'),
        length: (await response.arrayBuffer()).byteLength,
      };
    });
    expect(whole).toEqual({ status: 200, from: 'music-dawn', length: size });
    const middle = Math.floor(size / 2);
    const part = await page.evaluate(async (range) => {
      const response = await fetch('/api/music/tracks/dawn/audio', { headers: { range } });
      return { status: response.status, contentRange: response.headers.get('content-range') };
    }, `bytes=${middle}-`);
    expect(part).toEqual({ status: 206, contentRange: `bytes ${middle}-${size - 1}/${size}` });

    const played = await page.evaluate(playInPage, 'dawn');
    if ('error' in played) throw new Error(played.error);
    expect(played.playing).toBe(true);
    expect(played.reached).toBeGreaterThan(played.from);
    expect(played.seekedTo).toBeGreaterThan(15);
    expect(played.afterSeek).toBeGreaterThan(played.seekedTo);
    // A track not downloaded is not offered offline: the filter still shows only the downloaded one.
    await page.getByTestId('music-offline-only').check();
    await expect(page.getByTestId('music-track')).toHaveCount(1);
  } finally {
    await server.restart();
  }
});
