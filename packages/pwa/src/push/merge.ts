// How a push message becomes the notification to show, merged with one already shown under the same tag
// ("3 new messages from Alice" instead of three notifications). Pure: the worker reads what is shown with
// getNotifications({ tag }) and passes it in.

import type { DeclarativeAction, DeclarativeMessage, DeclarativeNotification } from './declarative.js';

/** What this toolkit keeps in a notification's `data` next to the app's own. */
export interface OutpostNotificationData {
  /** Where a click on the notification goes (absolute URL). */
  navigate: string;
  /** Where a click on each action button goes, by action name. */
  actions: Record<string, string>;
  /** How many messages this notification stands for (1 unless merged). */
  count: number;
}

/** A notification's `data` as `handlePush` stores it. */
export interface PushNotificationData {
  outpost: OutpostNotificationData;
  /** The app's `notification.data` of the latest message. */
  app: unknown;
}

/** The part of a shown notification the merge reads (what `getNotifications()` returns). */
export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: unknown;
}

/**
 * The options of `showNotification`, in the shape this toolkit builds them (lib-independent): the declarative
 * notification's display fields as they are, actions without their `navigate`, and the data clicks read back.
 */
export type NotificationSpecOptions = Pick<
  DeclarativeNotification,
  | 'body'
  | 'tag'
  | 'lang'
  | 'dir'
  | 'icon'
  | 'image'
  | 'badge'
  | 'vibrate'
  | 'timestamp'
  | 'renotify'
  | 'silent'
  | 'requireInteraction'
> & {
  actions?: { action: string; title: string; icon?: string }[];
  data: PushNotificationData;
};

/** The arguments of one `registration.showNotification(title, options)` call. */
export interface NotificationSpec {
  title: string;
  options: NotificationSpecOptions;
}

/** What a merged notification says, given how many messages it stands for and the latest one. */
export type Summarize = (count: number, latest: DeclarativeNotification) => { title: string; body?: string };

/** The default summary: the latest title with the count in brackets, and the latest body. */
export const defaultSummarize: Summarize = (count, latest) => ({
  title: count > 1 ? `${latest.title} (${count})` : latest.title,
  ...(latest.body === undefined ? {} : { body: latest.body }),
});

/** Reads this toolkit's part of a notification's data, or null for a notification someone else showed. */
export function outpostData(data: unknown): OutpostNotificationData | null {
  const outpost = (data as { outpost?: unknown } | null | undefined)?.outpost;
  if (typeof outpost !== 'object' || outpost === null) return null;
  const { navigate, count, actions } = outpost as Partial<OutpostNotificationData>;
  if (typeof navigate !== 'string' || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)
    return null;
  return { navigate, count, actions: typeof actions === 'object' && actions !== null ? actions : {} };
}

function resolveUrl(url: string, base: string): string {
  try {
    return new URL(url, base).href;
  } catch {
    return new URL(base).href;
  }
}

/**
 * The notification to show for `message`. `shown` are the notifications currently shown with the message's tag
 * (none without a tag): the count carries on from the one of them this toolkit showed, and `summarize` words it.
 * URLs are resolved against `base` (the worker's scope).
 *
 * @example
 * ```ts
 * const spec = notificationFor(message, await registration.getNotifications({ tag }), scope, summarize);
 * await registration.showNotification(spec.title, spec.options);
 * ```
 */
export function notificationFor(
  message: DeclarativeMessage,
  shown: readonly ShownNotification[],
  base: string,
  summarize: Summarize = defaultSummarize,
): NotificationSpec {
  const latest = message.notification;
  const tag = latest.tag;
  let previous = 0;
  if (tag !== undefined && tag !== '') {
    for (const notification of shown) {
      if (notification.tag !== tag) continue;
      previous = Math.max(previous, outpostData(notification.data)?.count ?? 0);
    }
  }
  const count = previous + 1;
  const summary = count > 1 ? summarize(count, latest) : { title: latest.title, body: latest.body };
  const actions: Record<string, string> = {};
  for (const action of latest.actions ?? []) {
    if (action.navigate !== undefined) actions[action.action] = resolveUrl(action.navigate, base);
  }
  const options: NotificationSpecOptions = {
    data: { outpost: { navigate: resolveUrl(latest.navigate, base), actions, count }, app: latest.data ?? null },
  };
  if (summary.body !== undefined) options.body = summary.body;
  if (tag !== undefined && tag !== '') options.tag = tag;
  for (const key of [
    'lang',
    'dir',
    'icon',
    'image',
    'badge',
    'vibrate',
    'timestamp',
    'silent',
    'requireInteraction',
  ] as const) {
    if (latest[key] !== undefined) Object.assign(options, { [key]: latest[key] });
  }
  // A merged notification replaces one the user may not have seen: alert again unless the message says not to.
  if (options.tag !== undefined) options.renotify = latest.renotify ?? count > 1;
  if (latest.actions !== undefined) options.actions = latest.actions.map(buttonOf);
  return { title: summary.title, options };
}

function buttonOf(action: DeclarativeAction): { action: string; title: string; icon?: string } {
  return action.icon === undefined
    ? { action: action.action, title: action.title }
    : { action: action.action, title: action.title, icon: action.icon };
}
