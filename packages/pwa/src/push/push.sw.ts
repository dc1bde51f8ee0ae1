import { lowerBadge, setBadge } from '../badge/badge.web.js';
import { openChannel } from '../channel.web.js';
import type { OutboxReplayer } from '../outbox/replay-triggers.web.js';
import { fromBase64Url, toBase64Url } from './base64url.web.js';
import { type ClickPlan, planClick, type SameView, sameView, type WindowInfo } from './click.js';
import { type DeclarativeMessage, parsePushPayload } from './declarative.js';
import { enqueueJson, type QueuedJsonRequest } from './enqueue.web.js';
import {
  type NotificationSpec,
  notificationFor,
  outpostData,
  type ShownNotification,
  type Summarize,
} from './merge.js';
import { isPushMessage, PUSH_CHANNEL, type PushMessage } from './messages.js';
import { readSavedSubscription, writeSavedSubscription } from './saved-subscription.web.js';
import { subscriptionBody } from './subscription-body.web.js';

declare const self: ServiceWorkerGlobalScope;

/** Keeps the worker alive for `promise` (an event's waitUntil). */
type Extend = (promise: Promise<unknown>) => void;

/** Outside an event (a direct call from a test or the app's code): the promise simply runs. */
const keepAlive: Extend = () => {};

/** What an action handler gets: the clicked notification and what the push said. */
export interface PushActionContext {
  action: string;
  title: string;
  body: string;
  tag: string;
  /** The app's `notification.data` of the latest message. */
  data: unknown;
  /** How many messages the notification stood for. */
  count: number;
}

/** What an action does: a request for the app server (through the outbox) and how far the badge goes down. */
export interface PushActionResult {
  /** Sent through the outbox (exactly once, also when offline); `url` may be relative to the worker's scope. */
  send?: QueuedJsonRequest;
  /** Lowers the stored badge by this much right away (the server's next `app_badge` is the truth). */
  lowerBadge?: number;
}

/** An app-defined notification button, e.g. "Mark as read". It opens no window. */
export type PushAction = (context: PushActionContext) => PushActionResult | Promise<PushActionResult>;

/** Options of {@link handlePush}. */
export interface HandlePushOptions {
  /** The title of a plain-text push. Default: the registration's scope host. */
  defaultTitle?: string;
  /** Where a click on a plain-text push goes. Default: the scope. */
  defaultNavigate?: string;
  /** The words of a merged notification (default: `Title (3)`). */
  summarize?: Summarize;
  /** Whether a window already shows a click's target (default: same path and query). */
  sameView?: SameView;
  /** Buttons handled in the worker, by action name; other actions navigate like the notification. */
  actions?: Record<string, PushAction>;
  /**
   * The outbox queue that carries action requests and replaced subscriptions, and the replayer that sends it
   * (what `handleOutbox({ queues: [queue] })` returned). Without it such requests wait for the next replay.
   */
  outbox?: { queue: string; replayer: OutboxReplayer };
  /** The app server's push routes. Defaults `/api/push/key` and `/api/push/subscriptions`. */
  keyUrl?: string;
  subscriptionsUrl?: string;
  /** Called after a push was shown (and its badge applied), e.g. to prefetch the conversation. */
  onPush?(message: DeclarativeMessage): void | Promise<void>;
  /** Called when the user dismissed a notification (bookkeeping). */
  onClose?(tag: string, count: number): void | Promise<void>;
}

/** The slice of a Notification the click logic reads. */
export interface ClickedNotification {
  title: string;
  body: string;
  tag: string;
  data: unknown;
  close(): void;
}

/** What a click did: an action handled in the worker, or the window plan that was carried out. */
export type ClickOutcome = { kind: 'action'; action: string; queued: string | null; badge: number | null } | ClickPlan;

/** The worker side of push, as returned by {@link handlePush}: the event logic as functions tests can call. */
export interface PushWorker {
  /** What a `push` event does with this payload: shows the notification, then badge, pages and `onPush`. */
  showPush(text: string | null): Promise<NotificationSpec>;
  /**
   * What a `notificationclick` does; resolves once the plan is carried out or the action's request is stored
   * (its sending goes on, kept alive by `extend`, the event's waitUntil).
   */
  click(
    notification: ClickedNotification,
    action?: string,
    extend?: (promise: Promise<unknown>) => void,
  ): Promise<ClickOutcome>;
  /** The window plan a click on a notification going to `target` would carry out now, and the windows seen. */
  planClick(target: string): Promise<{ plan: ClickPlan; windows: WindowInfo[] }>;
  /** What a `pushsubscriptionchange` does: subscribe again with the same key, queue old -> new for the server. */
  resubscribe(
    oldSubscription: PushSubscription | null,
    newSubscription: PushSubscription | null,
    extend?: (promise: Promise<unknown>) => void,
  ): Promise<string>;
}

/**
 * Installs push in a service worker: `push` always shows a notification first (inside `waitUntil`), merged per
 * tag; `app_badge` goes to the badge; open pages get the message. `notificationclick` focuses the window showing
 * the target, else focuses an app window and navigates it, else opens one; action buttons listed in `actions`
 * run in the worker instead. `notificationclose` tells pages. `pushsubscriptionchange` subscribes again with the
 * same key and sends old -> new to the server through the outbox.
 *
 * @example
 * ```ts
 * const outbox = handleOutbox({ queues: ['chat'] });
 * handlePush({
 *   outbox: { queue: 'chat', replayer: outbox },
 *   summarize: (count, latest) => ({ title: `${count} new messages from ${latest.title}`, body: latest.body }),
 *   actions: {
 *     'mark-read': ({ data, count }) => ({ send: { url: `/api/chat/read`, body: data }, lowerBadge: count }),
 *   },
 * });
 * ```
 */
export function handlePush(options: HandlePushOptions = {}): PushWorker {
  const scope = self.registration.scope;
  const channel = openChannel<PushMessage>(PUSH_CHANNEL, isPushMessage);
  const defaults = {
    title: options.defaultTitle ?? new URL(scope).host,
    navigate: options.defaultNavigate ?? scope,
  };
  const isSameView = options.sameView ?? sameView;
  const keyUrl = new URL(options.keyUrl ?? '/api/push/key', scope).href;
  const subscriptionsUrl = new URL(options.subscriptionsUrl ?? '/api/push/subscriptions', scope).href;
  const ignore = () => {};

  /**
   * Stores the request in the outbox and resolves with its id once stored. The replay that sends it runs on, kept
   * alive by `extend` (the event's waitUntil): it may wait out a backoff, and offline it ends waiting with a sync
   * registered (or a timer); the item is stored either way.
   */
  const queue = async (request: QueuedJsonRequest, extend: Extend): Promise<string> => {
    const outbox = options.outbox;
    const id = await enqueueJson(outbox?.queue ?? 'push', { ...request, url: new URL(request.url, scope).href });
    if (outbox) extend(outbox.replayer.replay(outbox.queue).catch(ignore));
    return id;
  };

  // One push at a time: two pushes of one conversation handled at once would both read "nothing shown yet" and
  // each show "1 new message" instead of merging.
  let previousPush: Promise<unknown> = Promise.resolve();
  const showPush = (text: string | null): Promise<NotificationSpec> => {
    const run = previousPush.then(() => showOne(text));
    previousPush = run.catch(ignore);
    return run;
  };

  const showOne = async (text: string | null): Promise<NotificationSpec> => {
    const message = parsePushPayload(text, defaults);
    const tag = message.notification.tag;
    const shown: ShownNotification[] = tag ? await self.registration.getNotifications({ tag }).catch(() => []) : [];
    const spec = notificationFor(message, shown, scope, options.summarize);
    // First, before anything that could fail: a push that shows nothing costs quota, and iOS revokes the
    // subscription after a few.
    await self.registration.showNotification(spec.title, spec.options as NotificationOptions);
    const after: Promise<unknown>[] = [];
    if (message.app_badge !== undefined) after.push(setBadge(message.app_badge));
    channel.post({ type: 'outpost:push-received', message });
    if (options.onPush) after.push(Promise.resolve().then(() => options.onPush?.(message)));
    await Promise.allSettled(after);
    return spec;
  };

  const listWindows = async (): Promise<{ clients: readonly WindowClient[]; windows: WindowInfo[] }> => {
    const clients = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    return { clients, windows: clients.map((c) => ({ id: c.id, url: c.url, focused: c.focused })) };
  };

  const carryOut = async (plan: ClickPlan, clients: readonly WindowClient[]): Promise<void> => {
    if (plan.kind === 'open') {
      await self.clients.openWindow(plan.url);
      return;
    }
    const client = clients.find((c) => c.id === plan.windowId);
    if (!client) {
      await self.clients.openWindow(plan.kind === 'focus' ? scope : plan.url);
      return;
    }
    // focus() first: it needs the click's user activation, which a navigation would use up.
    const focused = await client.focus().catch(() => client);
    if (plan.kind === 'focus') return;
    const navigated = await focused.navigate(plan.url).catch(() => null);
    // navigate() works only on windows this worker controls: ask any other window to go there itself.
    if (!navigated) focused.postMessage({ type: 'outpost:push-navigate', windowId: focused.id, url: plan.url });
  };

  const click = async (
    notification: ClickedNotification,
    action = '',
    extend: Extend = keepAlive,
  ): Promise<ClickOutcome> => {
    const data = outpostData(notification.data);
    const app = (notification.data as { app?: unknown } | null)?.app ?? null;
    const handler = action ? options.actions?.[action] : undefined;
    notification.close();
    if (handler) {
      const result = await handler({
        action,
        title: notification.title,
        body: notification.body,
        tag: notification.tag,
        data: app,
        count: data?.count ?? 1,
      });
      const badge = result.lowerBadge ? await lowerBadge(result.lowerBadge) : null;
      const queued = result.send ? await queue(result.send, extend) : null;
      return { kind: 'action', action, queued, badge };
    }
    const target = (action && data?.actions[action]) || data?.navigate || scope;
    const { clients, windows } = await listWindows();
    const plan = planClick(target, windows, scope, isSameView);
    await carryOut(plan, clients);
    return plan;
  };

  const resubscribe = async (
    oldSubscription: PushSubscription | null,
    newSubscription: PushSubscription | null,
    extend: Extend = keepAlive,
  ): Promise<string> => {
    const saved = await readSavedSubscription().catch(() => null);
    const oldKey = oldSubscription?.options.applicationServerKey;
    let key = oldKey ? toBase64Url(oldKey) : (saved?.key ?? null);
    if (!key) {
      const answer: unknown = await (await fetch(keyUrl, { credentials: 'same-origin' })).json();
      const publicKey = (answer as { publicKey?: unknown } | null)?.publicKey;
      if (typeof publicKey !== 'string') throw new Error(`${keyUrl} answered without a publicKey`);
      key = publicKey;
    }
    const subscription =
      newSubscription ??
      (await self.registration.pushManager.getSubscription()) ??
      (await self.registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64Url(key),
      }));
    const oldEndpoint = oldSubscription?.endpoint ?? saved?.endpoint;
    await writeSavedSubscription({ endpoint: subscription.endpoint, key });
    await queue(
      { url: subscriptionsUrl, body: subscriptionBody(subscription, oldEndpoint), label: { push: 'subscription' } },
      extend,
    );
    channel.post({ type: 'outpost:push-subscription-changed', endpoint: subscription.endpoint });
    return subscription.endpoint;
  };

  self.addEventListener('push', (event) => {
    event.waitUntil(showPush(event.data?.text() ?? null));
  });

  self.addEventListener('notificationclick', (event) => {
    // A synthetic event (tests) throws in waitUntil, and the click must still be handled: started first, and
    // extended where the event allows it.
    const extend: Extend = (promise) => {
      try {
        event.waitUntil(promise);
      } catch {
        // Not extendable (synthetic): the work goes on while the worker lives.
      }
    };
    extend(
      click(event.notification, event.action, extend).catch((error: unknown) => {
        console.warn('notification click failed:', error);
      }),
    );
  });

  self.addEventListener('notificationclose', (event) => {
    const data = outpostData(event.notification.data);
    const tag = event.notification.tag;
    channel.post({ type: 'outpost:push-closed', tag, count: data?.count ?? 1 });
    if (options.onClose) event.waitUntil(Promise.resolve(options.onClose(tag, data?.count ?? 1)).catch(ignore));
  });

  self.addEventListener('pushsubscriptionchange', (event) => {
    const extend: Extend = (promise) => event.waitUntil(promise);
    extend(resubscribe(event.oldSubscription, event.newSubscription, extend));
  });

  return {
    showPush,
    click,
    async planClick(target) {
      const { windows } = await listWindows();
      return { plan: planClick(new URL(target, scope).href, windows, scope, isSameView), windows };
    },
    resubscribe,
  };
}
