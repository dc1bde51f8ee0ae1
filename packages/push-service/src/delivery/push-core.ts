import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { NodeRouter, RouteHint } from '../cluster/node-router.js';
import { applicationServerKeyHash, type EndpointKeyring } from '../endpoint-token.js';
import { type RateLimit, RateLimiter } from '../http/rate-limiter.js';
import { redactId } from '../redact.js';
import type { CommitOutcome, IncomingMessage, PushStore } from '../store/push-store.js';
import { ConnectionRegistry } from './connection-registry.js';
import { GroupCommit } from './group-commit.js';
import { toNotification, type UserAgentSession } from './user-agent-session.js';

/** Events a host (tests, the e2e harness, metrics) can observe. */
export interface PushEvents {
  hello: [uaid: string];
  unregister: [uaid: string, channelID: string];
}

/** What a `register` is limited by. */
export interface RegisterLimits {
  maxChannelsPerUaid: number;
  registerRate: RateLimit;
}

/**
 * The node's shared state: storage, the group commit, the connections it holds and the router to other nodes.
 * The HTTP API hands accepted messages to {@link accept}; sessions use the rest.
 */
export class PushCore {
  readonly registry = new ConnectionRegistry<UserAgentSession>();
  readonly writer: GroupCommit;
  readonly events = new EventEmitter<PushEvents>();
  /** `register` token buckets per UAID. */
  readonly registerLimiter: RateLimiter;

  constructor(
    readonly store: PushStore,
    readonly router: NodeRouter,
    readonly keyring: EndpointKeyring,
    /** Origin + path prefix of endpoint and message URLs; set by the server once its port is known. */
    public publicUrl: string,
    readonly log: Logger,
    storageLimit: number,
    readonly registerLimits: RegisterLimits,
  ) {
    this.writer = new GroupCommit(store, storageLimit);
    this.registerLimiter = new RateLimiter(registerLimits.registerRate);
  }

  /** The endpoint URL of a subscription. */
  endpointFor(uaid: string, channelID: string, keyHash: Uint8Array | undefined): string {
    return `${this.publicUrl}/push/${this.keyring.seal({ uaid, channelID, keyHash })}`;
  }

  /**
   * Records a subscription durably and returns its endpoint, or the register reply's error status: 429 past the
   * per-UAID register rate, 413 past the channel cap.
   */
  async registerChannel(
    uaid: string,
    channelID: string,
    key: Uint8Array | undefined,
  ): Promise<{ endpoint: string } | { status: number; reason: string }> {
    const wait = this.registerLimiter.take(uaid);
    if (wait > 0) return { status: 429, reason: `too many registrations; retry in ${wait} s` };
    const keyHash = key ? applicationServerKeyHash(key) : undefined;
    const result = await this.store.registerChannel(uaid, channelID, {
      keyHash: keyHash ? Buffer.from(keyHash).toString('base64url') : null,
      now: Date.now(),
      node: this.router.clustered ? this.router.nodeId : null,
      maxChannels: this.registerLimits.maxChannelsPerUaid,
    });
    if (result === 'channel-limit') {
      const max = this.registerLimits.maxChannelsPerUaid;
      return { status: 413, reason: `this user agent already has ${max} subscriptions, the most allowed` };
    }
    // The endpoint is handed out only once the subscription would survive a crash.
    await this.store.durable();
    return { endpoint: this.endpointFor(uaid, channelID, keyHash) };
  }

  /**
   * Stores a message (TTL > 0) or checks its subscription (TTL = 0), then hands it to the connection holding its
   * user agent, here or on another node. Resolves once stored (committed); routing happens after. `keyHash` is the
   * one the endpoint token carries (base64url, or null for an unrestricted endpoint): it must be the subscription's.
   */
  async accept(message: IncomingMessage, keyHash: string | null): Promise<CommitOutcome> {
    const store = message.ttl > 0;
    const outcome = await this.writer.submitMessage(message, store, keyHash);
    if (outcome.kind === 'stored')
      this.#deliver(message.uaid, () => this.registry.get(message.uaid)?.offer(outcome.message));
    else if (outcome.kind === 'checked' && !store) {
      const notification = toNotification({ ...message, seq: 0 });
      notification.ttl = 0;
      this.#deliver(message.uaid, () => this.registry.get(message.uaid)?.offerEphemeral(notification), notification);
    }
    return outcome;
  }

  #deliver(uaid: string, local: () => void, ephemeral?: RouteHint['ephemeral']): void {
    if (this.registry.get(uaid)) local();
    else if (this.router.clustered) void this.#routeRemote({ uaid, ephemeral });
  }

  async #routeRemote(hint: RouteHint): Promise<void> {
    try {
      const node = (await this.store.connectedNodes([hint.uaid])).get(hint.uaid);
      if (node && node !== this.router.nodeId) await this.router.send(node, hint);
      // The connection arrived here meanwhile.
      else if (node === this.router.nodeId) this.onHint(hint);
    } catch (error) {
      this.log.warn(
        { err: error, uaid: redactId(hint.uaid) },
        'routing to another node failed; the message waits in storage',
      );
    }
  }

  /** A hint from another node. */
  onHint(hint: RouteHint): void {
    const session = this.registry.get(hint.uaid);
    if (!session) return;
    if (hint.movedTo !== undefined) {
      if (hint.movedTo !== this.router.nodeId) session.replace();
    } else if (hint.ephemeral) session.offerEphemeral(hint.ephemeral);
    else void session.drain();
  }

  /** The user agent connected here; `node` held it before and must drop its old connection if it has one. */
  connectionMovedFrom(node: string, uaid: string): void {
    this.router.send(node, { uaid, movedTo: this.router.nodeId }).catch((error) => {
      this.log.warn(
        { err: error, uaid: redactId(uaid), node },
        'could not tell the previous node to drop its connection',
      );
    });
  }

  /** Hints may have been lost: re-read storage for every connected user agent. */
  resync(): void {
    for (const session of this.registry.values()) void session.drain();
  }

  readonly #releases = new Set<Promise<void>>();

  /** A connection for this UAID ended here. */
  connectionReleased(uaid: string): void {
    if (!this.router.clustered) return;
    const release = this.store.releaseUaid(uaid, this.router.nodeId).catch((error) => {
      this.log.warn({ err: error, uaid: redactId(uaid) }, 'could not clear connected_node');
    });
    this.#releases.add(release);
    void release.finally(() => this.#releases.delete(release));
  }

  /** Waits for connection bookkeeping still in flight (before the store closes). */
  async settled(): Promise<void> {
    await Promise.all(this.#releases);
    await this.writer.drain();
  }
}
