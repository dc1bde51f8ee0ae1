import type { BrowserContext, CDPSession } from '@playwright/test';

/** Chromium permission names (CDP `Browser.PermissionType`) that the background capabilities need. */
export type BackgroundPermission = 'notifications' | 'backgroundSync' | 'periodicBackgroundSync' | 'backgroundFetch';

/** Every permission the background capabilities need: what {@link grantAll} grants by default. */
export const BACKGROUND_PERMISSIONS: readonly BackgroundPermission[] = [
  'notifications',
  'backgroundSync',
  'periodicBackgroundSync',
  'backgroundFetch',
];

/**
 * Grants `permissions` to `origin` in ONE CDP `Browser.grantPermissions` call.
 *
 * One call, because `Browser.grantPermissions` (and Playwright's `context.grantPermissions`, built on it)
 * DENIES every permission it does not list: granting notifications alone would silently turn Background Sync
 * off. Playwright's own API also rejects the names `periodic-background-sync` and `background-fetch`, hence CDP.
 *
 * Takes a CDP session, or a context (a session on its first tab is opened and detached for the call).
 *
 * @example
 * ```ts
 * await grantAll(cdp, server.url); // notifications, backgroundSync, periodicBackgroundSync, backgroundFetch
 * ```
 */
export async function grantAll(
  target: CDPSession | BrowserContext,
  origin: string,
  permissions: readonly BackgroundPermission[] = BACKGROUND_PERMISSIONS,
): Promise<void> {
  const params = { origin: new URL(origin).origin, permissions: [...permissions] };
  if ('send' in target) {
    await target.send('Browser.grantPermissions', params);
    return;
  }
  const page = target.pages()[0] ?? (await target.newPage());
  const session = await target.newCDPSession(page);
  try {
    await session.send('Browser.grantPermissions', params);
  } finally {
    await session.detach().catch(() => undefined);
  }
}
