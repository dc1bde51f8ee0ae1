import { randomUUID } from 'node:crypto';
import {
  decodeBase64Url,
  decrypt,
  encodeBase64Url,
  generateUserAgentKeys,
  type PushSubscriptionJSON,
  subscriptionKeys,
  type UserAgentKeys,
} from '@outpost/webpush';
import WebSocket from 'ws';
import type { NotificationHeaders } from './protocol/server-messages.js';
import { PUSH_SUBPROTOCOL } from './websocket.js';

/** A subscription the virtual user agent holds, with the private keys a browser would keep. */
export interface VirtualSubscription {
  channelID: string;
  endpoint: string;
  keys: UserAgentKeys;
}

/** A notification as the virtual user agent received (and decrypted) it. */
export interface ReceivedMessage {
  channelID: string;
  version: string;
  ttl: number | undefined;
  /** Decrypted payload; undefined for a push without payload. */
  data: Uint8Array | undefined;
  /** `data` as UTF-8 text. */
  text: string | undefined;
  /** Set when decryption failed (the message was acked with code 101). */
  error?: string;
}

/** What a virtual user agent must remember to come back as the same user agent. */
export interface VirtualUserAgentState {
  uaid: string;
  subscriptions: VirtualSubscription[];
}

/** Options of {@link VirtualUserAgent.connect}. */
export interface VirtualUserAgentOptions {
  /** Come back as a known user agent (its UAID and subscriptions). */
  state?: VirtualUserAgentState;
  /** Ack every notification with code 100 (default true). */
  autoAck?: boolean;
  /** Local address to connect from (load tests spread over 127.0.0.x to get more ports). */
  localAddress?: string;
  /** How long to wait for a server reply. Default 10 s. */
  timeoutMs?: number;
}

type Waiter = { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void };

/**
 * A Node client of the Mozilla WebPush protocol with real keys: it subscribes like a browser (hello, register),
 * receives and decrypts notifications, acks them. For testing an application server without a browser.
 *
 * @example
 * const ua = await VirtualUserAgent.connect('ws://127.0.0.1:8090/');
 * const subscription = await ua.subscribe({ applicationServerKey: vapidKeys.publicKey });
 * // give `subscription` to the application server, then:
 * const message = await ua.nextMessage();
 * console.log(message.text);
 */
export class VirtualUserAgent {
  readonly subscriptions = new Map<string, VirtualSubscription>();
  #uaid = '';
  readonly #queue: ReceivedMessage[] = [];
  readonly #messageWaiters: ((m: ReceivedMessage) => void)[] = [];
  readonly #replyWaiters: Waiter[] = [];
  readonly #closed: Promise<{ code: number; reason: string }>;
  #processing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ws: WebSocket,
    private readonly options: VirtualUserAgentOptions,
  ) {
    ws.on('message', (data) => this.#onFrame(data.toString()));
    this.#closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Connects and says `hello` (with the remembered UAID when `state` is given). */
  static async connect(url: string, options: VirtualUserAgentOptions = {}): Promise<VirtualUserAgent> {
    const ws = new WebSocket(url, PUSH_SUBPROTOCOL, {
      localAddress: options.localAddress,
      perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const ua = new VirtualUserAgent(ws, options);
    for (const s of options.state?.subscriptions ?? []) ua.subscriptions.set(s.channelID, s);
    const hello: Record<string, unknown> = { messageType: 'hello', use_webpush: true, broadcasts: {} };
    if (options.state) hello.uaid = options.state.uaid;
    const reply = await ua.#request(hello, (m) => m.messageType === 'hello');
    ua.#uaid = String(reply.uaid);
    // A different UAID means the service forgot us: like Firefox, drop the subscriptions.
    if (options.state && options.state.uaid !== ua.#uaid) ua.subscriptions.clear();
    return ua;
  }

  /** The UAID the service assigned. */
  get uaid(): string {
    return this.#uaid;
  }

  /** What to pass as `state` to reconnect as this user agent. */
  state(): VirtualUserAgentState {
    return { uaid: this.#uaid, subscriptions: [...this.subscriptions.values()] };
  }

  /** Subscribes (register), optionally restricted to an applicationServerKey (base64url or raw bytes). */
  async subscribe(options: { applicationServerKey?: string | Uint8Array } = {}): Promise<PushSubscriptionJSON> {
    const channelID = randomUUID();
    const keys = await generateUserAgentKeys();
    const message: Record<string, unknown> = { messageType: 'register', channelID };
    if (options.applicationServerKey !== undefined) {
      const raw =
        typeof options.applicationServerKey === 'string'
          ? decodeBase64Url(options.applicationServerKey)
          : options.applicationServerKey;
      // Firefox sends the key padded; do the same.
      const bare = encodeBase64Url(raw);
      message.key = bare + '='.repeat((4 - (bare.length % 4)) % 4);
    }
    const reply = await this.#request(message, (m) => m.messageType === 'register' && m.channelID === channelID);
    if (reply.status !== 200) throw new Error(`register refused: ${reply.status} ${String(reply.reason ?? '')}`);
    const subscription = { channelID, endpoint: String(reply.pushEndpoint), keys };
    this.subscriptions.set(channelID, subscription);
    return { endpoint: subscription.endpoint, keys: subscriptionKeys(keys) };
  }

  /** Unsubscribes (unregister code 200) by endpoint or channel ID. */
  async unsubscribe(endpointOrChannel: string): Promise<void> {
    const sub = [...this.subscriptions.values()].find(
      (s) => s.endpoint === endpointOrChannel || s.channelID === endpointOrChannel,
    );
    if (!sub) throw new Error('no such subscription');
    await this.#request(
      { messageType: 'unregister', channelID: sub.channelID, code: 200 },
      (m) => m.messageType === 'unregister' && m.channelID === sub.channelID,
    );
    this.subscriptions.delete(sub.channelID);
  }

  /** The next received message (in arrival order), waiting up to `timeoutMs`. */
  nextMessage(timeoutMs = this.options.timeoutMs ?? 10_000): Promise<ReceivedMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#messageWaiters.indexOf(waiter);
        if (i >= 0) this.#messageWaiters.splice(i, 1);
        reject(new Error(`no push message within ${timeoutMs} ms`));
      }, timeoutMs);
      // Waiting must not by itself keep a process alive (the open socket does that).
      timer.unref();
      const waiter = (m: ReceivedMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#messageWaiters.push(waiter);
    });
  }

  /** Messages received and not yet taken by {@link nextMessage}. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Acks a message (code 100 delivered, 101 decryption failed, 102 not delivered). */
  ack(channelID: string, version: string, code = 100): void {
    this.ws.send(JSON.stringify({ messageType: 'ack', updates: [{ channelID, version, code }] }));
  }

  /** Nacks a message (301 handler threw, 302 waitUntil rejected). */
  nack(version: string, code = 301): void {
    this.ws.send(JSON.stringify({ messageType: 'nack', version, code }));
  }

  /** Sends a raw frame (for protocol tests). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Sends Firefox's keep-alive `{}` and waits for any reply. */
  async ping(): Promise<void> {
    await this.#request({}, () => true);
  }

  /** Resolves when the server closes the connection. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.#closed;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await this.#closed;
  }

  #request(message: Record<string, unknown>, match: Waiter['match']): Promise<Record<string, unknown>> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#replyWaiters.indexOf(waiter);
        if (i >= 0) this.#replyWaiters.splice(i, 1);
        reject(new Error(`no reply to ${String(message.messageType ?? 'ping')} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.#replyWaiters.push(waiter);
      this.ws.send(JSON.stringify(message));
    });
  }

  #onFrame(text: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (m.messageType === 'notification') {
      // Decryption is async; keep arrival order.
      this.#processing = this.#processing.then(() => this.#onNotification(m));
      return;
    }
    const waiter = this.#replyWaiters.find((w) => w.match(m));
    if (waiter) {
      this.#replyWaiters.splice(this.#replyWaiters.indexOf(waiter), 1);
      waiter.resolve(m);
    }
  }

  async #onNotification(m: Record<string, unknown>): Promise<void> {
    const channelID = String(m.channelID);
    const version = String(m.version);
    const received: ReceivedMessage = {
      channelID,
      version,
      ttl: typeof m.ttl === 'number' ? m.ttl : undefined,
      data: undefined,
      text: undefined,
    };
    let code = 100;
    if (typeof m.data === 'string') {
      const sub = this.subscriptions.get(channelID);
      const headers = m.headers as NotificationHeaders | undefined;
      try {
        if (!sub) throw new Error(`no subscription for channel ${channelID}`);
        const body = decodeBase64Url(m.data);
        const h: Record<string, string> = { 'content-encoding': headers?.encoding ?? 'aes128gcm' };
        if (headers?.encryption) h.encryption = headers.encryption;
        if (headers?.crypto_key) h['crypto-key'] = headers.crypto_key;
        received.data = await decrypt(body, sub.keys, { headers: h });
        received.text = new TextDecoder().decode(received.data);
      } catch (error) {
        received.error = (error as Error).message;
        code = 101;
      }
    }
    if (this.options.autoAck !== false && this.ws.readyState === WebSocket.OPEN) this.ack(channelID, version, code);
    const waiter = this.#messageWaiters.shift();
    if (waiter) waiter(received);
    else this.#queue.push(received);
  }
}
