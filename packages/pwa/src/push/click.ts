// What a click on a notification should do, decided from the windows that exist, before anything is done.
// Pure, so a test can call it with any set of windows (a synthetic notificationclick cannot waitUntil).

/** A window of the origin, as `clients.matchAll({ type: 'window', includeUncontrolled: true })` lists it. */
export interface WindowInfo {
  id: string;
  url: string;
  focused: boolean;
}

/**
 * What to do:
 * - `focus`: a window already shows the target;
 * - `focus-then-navigate`: focus an app window first (the click's user activation is used up by the first call
 *   that needs it), then navigate it to the target;
 * - `open`: no app window is open.
 */
export type ClickPlan =
  | { kind: 'focus'; windowId: string }
  | { kind: 'focus-then-navigate'; windowId: string; url: string }
  | { kind: 'open'; url: string };

/**
 * Whether a window at `windowUrl` shows what `target` points at. The default: same origin, path and query (the
 * fragment is ignored). An app whose view is in the query or path in another way passes its own.
 */
export type SameView = (windowUrl: string, target: string) => boolean;

/** The default {@link SameView}: same origin, path and query; the fragment does not matter. */
export const sameView: SameView = (windowUrl, target) => {
  try {
    const a = new URL(windowUrl);
    const b = new URL(target);
    return a.origin === b.origin && a.pathname === b.pathname && a.search === b.search;
  } catch {
    return false;
  }
};

/** Whether `url` is inside `scope` (a URL ending in `/`), i.e. a window of this app. */
export function inScope(url: string, scope: string): boolean {
  return url.startsWith(scope);
}

/**
 * Plans a click on a notification whose target is `target`. A window showing the target wins (the focused one
 * first); otherwise an app window inside `scope` (the focused one first, else the first listed, which browsers
 * order by most recent focus); otherwise a new window.
 *
 * @example
 * ```ts
 * planClick('https://app.test/chat?with=alice', [{ id: '1', url: 'https://app.test/mail', focused: false }], 'https://app.test/');
 * // { kind: 'focus-then-navigate', windowId: '1', url: 'https://app.test/chat?with=alice' }
 * ```
 */
export function planClick(
  target: string,
  windows: readonly WindowInfo[],
  scope: string,
  isSameView: SameView = sameView,
): ClickPlan {
  const pick = (candidates: WindowInfo[]) => candidates.find((w) => w.focused) ?? candidates[0];
  const showing = pick(windows.filter((w) => isSameView(w.url, target)));
  if (showing) return { kind: 'focus', windowId: showing.id };
  const app = pick(windows.filter((w) => inScope(w.url, scope)));
  if (app) return { kind: 'focus-then-navigate', windowId: app.id, url: target };
  return { kind: 'open', url: target };
}
