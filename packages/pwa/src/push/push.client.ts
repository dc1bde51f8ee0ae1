import { openChannel } from '../channel.web.js';
import { fromBase64Url, sameBytes } from './base64url.web.js';
import type { DeclarativeMessage } from './declarative.js';
import { isPushMessage, PUSH_CHANNEL } from './messages.js';
import { readSavedSubscription, writeSavedSubscription } from './saved-subscription.web.js';
import { subscriptionBody } from './subscription-body.web.js';

/**
 * Where push stands for this page:
 * - `unsupported`: no service worker, Push API or notifications here;
 * - `denied`: the user blocked notifications (only the browser's site settings can undo it);
 * - `prompt`: not asked yet; `subscribe()` from a click asks;
 * - `subscribed`: this browser has a subscription and the server was told;
 * - `unsubscribed`: allowed, but no subscription.
 */
export type PushState = 'unsupported' | 'denied' | 'prompt' | 'subscribed' | 'unsubscribed';

/** Options of {@link createPush}. */
export interface PushOptions {
  /** The app server's routes. Defaults `/api/push/key` and `/api/push/subscriptions`. */
  keyUrl?: string;
  subscriptionsUrl?: string;
  /** Re-sync with the server now (default true): see {@link Push.resync}. */
  resync?: boolean;
  /**
   * Follows a notification click that focused this window but could not navigate it (a window the worker does
   * not control). Default: `location.assign(url)`.
   */
  navigate?(url: string): void;
}

/** A failed push action: `status` is the server's HTTP status (0: unreachable, -1: the browser refused). */
export class PushError extends Error {
  override readonly name = 'PushError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The page side of push. */
export interface Push {
  readonly state: PushState;
  /** Subscribes with the server's key and registers the subscription. Call it from a click (user gesture). */
  subscribe(): Promise<PushState>;
  /** Unsubscribes in the browser and deletes the subscription on the server. */
  unsubscribe(): Promise<PushState>;
  /**
   * Makes the server hold this browser's subscription: re-posts it (the server lost it, or another account is
   * signed in now), subscribes again with the new key when the server's key changed, and sends old -> new when
   * the endpoint changed. Quiet: needs no gesture (permission is already granted), throws nothing.
   */
  resync(): Promise<PushState>;
  /** Calls `listener` with the state now and on every change; returns the unsubscribe. */
  onChange(listener: (state: PushState) => void): () => void;
  /** Calls `listener` with each push the worker showed while this page is open (live updates). */
  onMessage(listener: (message: DeclarativeMessage) => void): () => void;
  /** Stops listening. */
  close(): void;
}

/**
 * Push for a page.
 *
 * @example
 * ```ts
 * const push = await createPush();
 * push.onChange((state) => render(state));         // a Notifications switch with honest states
 * button.onclick = () => push.subscribe();          // from the click itself
 * push.onMessage((message) => refresh(message));    // live updates while open
 * ```
 */
export async function createPush(options: PushOptions = {}): Promise<Push> {
  const keyUrl = options.keyUrl ?? '/api/push/key';
  const subscriptionsUrl = options.subscriptionsUrl ?? '/api/push/subscriptions';
  const supported =
    'serviceWorker' in navigator && typeof PushManager === 'function' && typeof Notification === 'function';
  const listeners = new Set<(state: PushState) => void>();
  const messageListeners = new Set<(message: DeclarativeMessage) => void>();
  let state: PushState = 'unsupported';
  let serverKey: string | null = null;

  const setState = (next: PushState): PushState => {
    if (next !== state) {
      state = next;
      for (const listener of listeners) listener(next);
    }
    return next;
  };

  const registration = async (): Promise<ServiceWorkerRegistration> => navigator.serviceWorker.ready;

  /** The state from the browser alone (permission and subscription). */
  const browserState = async (): Promise<PushState> => {
    if (!supported) return 'unsupported';
    if (Notification.permission === 'denied') return 'denied';
    const subscription = await (await registration()).pushManager.getSubscription();
    if (subscription) return 'subscribed';
    return Notification.permission === 'granted' ? 'unsubscribed' : 'prompt';
  };

  const call = async (method: string, url: string, body?: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        credentials: 'same-origin',
        headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch {
      throw new PushError(0, 'the server could not be reached');
    }
    const data: unknown = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
    if (!response.ok) {
      const reason = (data as { message?: unknown } | null)?.message;
      throw new PushError(response.status, typeof reason === 'string' ? reason : `HTTP ${response.status}`);
    }
    return data;
  };

  const fetchKey = async (): Promise<string> => {
    const key = ((await call('GET', keyUrl)) as { publicKey?: unknown } | null)?.publicKey;
    if (typeof key !== 'string') throw new PushError(500, `${keyUrl} answered without a publicKey`);
    serverKey = key;
    return key;
  };

  const register = async (subscription: PushSubscription, key: string, oldEndpoint?: string): Promise<void> => {
    await call('POST', subscriptionsUrl, subscriptionBody(subscription, oldEndpoint));
    await writeSavedSubscription({ endpoint: subscription.endpoint, key });
  };

  const resync = async (): Promise<PushState> => {
    try {
      const current = await browserState();
      if (current === 'unsupported' || current === 'denied' || current === 'prompt') return setState(current);
      const key = await fetchKey();
      const pushManager = (await registration()).pushManager;
      const saved = await readSavedSubscription().catch(() => null);
      let subscription = await pushManager.getSubscription();
      const keyBytes = fromBase64Url(key);
      const usedKey = subscription?.options.applicationServerKey;
      if (subscription && usedKey && !sameBytes(usedKey, keyBytes)) {
        // The server's key changed: a subscription made with the old one can no longer be pushed to.
        await subscription.unsubscribe();
        subscription = null;
      }
      if (!subscription && saved) {
        // The browser dropped a subscription the server holds (silently, in every browser): make a new one.
        subscription = await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes });
      }
      if (!subscription) return setState(await browserState());
      await register(subscription, key, saved?.endpoint);
      return setState('subscribed');
    } catch (error) {
      // Quiet by design (offline, signed out): the next load tries again.
      console.debug('push resync:', error);
      return setState(await browserState().catch(() => state));
    }
  };

  const stops: (() => void)[] = [];
  if (supported) {
    const channel = openChannel(PUSH_CHANNEL, isPushMessage);
    stops.push(
      channel.subscribe((message) => {
        if (message.type === 'outpost:push-received') {
          for (const listener of messageListeners) listener(message.message);
        } else if (message.type === 'outpost:push-subscription-changed') {
          void browserState().then(setState);
        }
      }),
      () => channel.close(),
    );
    // A click that focused this window asks it to navigate when the worker cannot (see handlePush).
    const onWorkerMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (isPushMessage(data) && data.type === 'outpost:push-navigate') {
        (options.navigate ?? ((url: string) => location.assign(url)))(data.url);
      }
    };
    navigator.serviceWorker.addEventListener('message', onWorkerMessage);
    stops.push(() => navigator.serviceWorker.removeEventListener('message', onWorkerMessage));
    state = await browserState().catch(() => 'unsupported' as const);
    if (options.resync ?? true) void resync();
  }

  return {
    get state() {
      return state;
    },
    async subscribe() {
      if (!supported) return setState('unsupported');
      // No await before pushManager.subscribe when the key is known: the click's user activation is short-lived.
      const pushManager = (await registration()).pushManager;
      const key = serverKey ?? (await fetchKey());
      let subscription: PushSubscription;
      try {
        subscription = await pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(key) });
      } catch (error) {
        setState(await browserState());
        throw new PushError(-1, error instanceof Error ? error.message : String(error));
      }
      try {
        const saved = await readSavedSubscription().catch(() => null);
        await register(subscription, key, saved?.endpoint);
      } catch (error) {
        // The server does not have it, so nothing would arrive: do not keep a subscription that looks on.
        await subscription.unsubscribe().catch(() => false);
        setState(await browserState());
        throw error;
      }
      return setState('subscribed');
    },
    async unsubscribe() {
      if (!supported) return setState('unsupported');
      const subscription = await (await registration()).pushManager.getSubscription();
      if (subscription) {
        const { endpoint } = subscription;
        await subscription.unsubscribe();
        await writeSavedSubscription(null);
        setState(await browserState());
        await call('DELETE', subscriptionsUrl, { endpoint });
      }
      return setState(await browserState());
    },
    resync,
    onChange(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    close() {
      for (const stop of stops.splice(0)) stop();
      listeners.clear();
      messageListeners.clear();
    },
  };
}
