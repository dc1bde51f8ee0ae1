import type { Logger } from 'pino';
import type { ClientMessage, ProtocolError } from '../protocol/client-messages.js';
import { newUaid } from '../protocol/ids.js';
import {
  CloseCode,
  helloReply,
  notificationFrame,
  type OutgoingNotification,
  registerReply,
  unregisterReply,
} from '../protocol/server-messages.js';
import { redactId } from '../redact.js';
import type { StoredMessage } from '../store/push-store.js';
import type { PushCore } from './push-core.js';

/** The transport a session talks through (a `ws` WebSocket in the server, a fake in unit tests). */
export interface SessionTransport {
  send(text: string): void;
  /**
   * Answers a keep-alive ping. The client only needs some frame within 10 s, so a transport that still holds unread
   * frames for it may answer with nothing (they are the answer) and stop reading until the client catches up.
   */
  keepAlive(): void;
  close(code: number, reason: string): void;
}

/** Unacknowledged messages one connection may hold before the rest waits in storage. */
export const MAX_IN_FLIGHT = 100;
const DRAIN_BATCH = 100;

/**
 * One user agent's WebSocket: the protocol state machine and per-UAID ordered delivery. Stored messages go out in
 * arrival order; a message stays stored until acked (an unacked one is redelivered on the next connection); at most
 * {@link MAX_IN_FLIGHT} are unacknowledged at a time.
 */
export class UserAgentSession {
  uaid: string | undefined;
  /** Sent, not yet acked (version → stored?). */
  #inFlight: Map<string, boolean> | undefined;
  /** Acked, deletion not yet committed: a drain in between must not send them again. */
  #acked: Set<string> | undefined;
  #draining = false;
  #dirty = false;
  /** True until a drain has seen the end of this user agent's stored messages. */
  #backlog = true;
  #closed = false;

  constructor(
    private readonly core: PushCore,
    private readonly transport: SessionTransport,
    private readonly log: Logger,
  ) {}

  /**
   * Handles one validated client message. Messages that need storage return a promise (the next frame waits for
   * it); the others are handled at once and return nothing, so a burst of them costs no promise each.
   */
  handle(message: ClientMessage): Promise<void> | undefined {
    if (message.type === 'hello') return this.#hello(message.uaid);
    // Nothing is answered before `hello`: an anonymous socket gets no work done for it.
    if (this.uaid === undefined) {
      this.protocolError(`"${message.type}" before "hello"`);
      return;
    }
    switch (message.type) {
      case 'ping':
        this.transport.keepAlive();
        return;
      case 'register':
        return this.#register(this.uaid, message.channelID, message.key);
      case 'unregister':
        return this.#unregister(this.uaid, message.channelID);
      case 'ack':
        for (const u of message.updates) this.#ack(u.version);
        return;
      case 'nack':
        // Stays stored and in flight: redelivered on the next connection, not in a loop on this one.
        this.log.debug({ uaid: redactId(this.uaid), code: message.code }, 'nack');
        return;
      case 'broadcast_subscribe':
        // This service publishes no broadcasts; subscribing to none is a no-op.
        return;
    }
  }

  /** Answers a refused frame: a malformed `register` gets a 400 reply, anything else closes the connection. */
  refuse(error: ProtocolError): void {
    if (error.messageType === 'register' && error.channelID && this.uaid) {
      this.transport.send(registerReply(error.channelID, { status: 400, reason: error.message }));
      return;
    }
    this.protocolError(error.message);
  }

  protocolError(reason: string): void {
    this.log.info({ uaid: redactId(this.uaid), reason }, 'protocol error: closing');
    this.transport.close(CloseCode.protocolError, reason.slice(0, 120));
  }

  async #hello(requested: string | undefined): Promise<void> {
    if (this.uaid !== undefined) return this.protocolError('duplicate "hello"');
    const node = this.core.router.clustered ? this.core.router.nodeId : null;
    let uaid = requested;
    const claim = uaid === undefined ? undefined : await this.core.store.claimUaid(uaid, node);
    if (uaid === undefined || !claim?.known) {
      // Not stored yet: the row is written with the first `register` (an anonymous hello leaves nothing behind).
      // Firefox sends its UAID only once it has subscriptions, so the ones it keeps are the stored ones.
      uaid = newUaid();
    } else if (claim.previousNode && claim.previousNode !== node) {
      // The user agent reconnected here while another node may still hold its old connection (a TCP
      // connection that died silently): that node would keep delivering into it. Tell it to let go.
      this.core.connectionMovedFrom(claim.previousNode, uaid);
    }
    if (this.#closed) {
      if (node) await this.core.store.releaseUaid(uaid, node);
      return;
    }
    this.uaid = uaid;
    this.core.registry.attach(uaid, this);
    this.transport.send(helloReply(uaid));
    this.core.events.emit('hello', uaid);
    await this.drain();
  }

  async #register(uaid: string, channelID: string, key: Uint8Array | undefined): Promise<void> {
    const result = await this.core.registerChannel(uaid, channelID, key);
    this.transport.send(registerReply(channelID, result));
  }

  async #unregister(uaid: string, channelID: string): Promise<void> {
    await this.core.store.unregisterChannel(uaid, channelID);
    this.transport.send(unregisterReply(channelID));
    this.core.events.emit('unregister', uaid, channelID);
  }

  #ack(version: string): void {
    const inFlight = this.#inFlight;
    const stored = inFlight?.get(version);
    if (inFlight === undefined || stored === undefined) return;
    inFlight.delete(version);
    if (stored) {
      this.#acked ??= new Set();
      this.#acked.add(version);
      this.core.writer.submitAck(version).then(
        () => this.#acked?.delete(version),
        (error) => {
          this.#acked?.delete(version);
          this.log.error(
            { err: error, uaid: redactId(this.uaid) },
            'failed to delete an acked message; it will be redelivered',
          );
        },
      );
    }
    if (this.#backlog && inFlight.size <= MAX_IN_FLIGHT / 2) void this.drain();
  }

  /** A message for this user agent was just committed on this node: send it now if nothing older is waiting. */
  offer(message: StoredMessage): void {
    if (this.#closed) return;
    if (this.#draining || this.#backlog || (this.#inFlight?.size ?? 0) >= MAX_IN_FLIGHT) {
      this.#backlog = true;
      void this.drain();
      return;
    }
    this.#send(toNotification(message), true);
  }

  /** A TTL=0 message: delivered now or never. */
  offerEphemeral(notification: OutgoingNotification): void {
    if (this.#closed || this.uaid === undefined) return;
    this.#send(notification, false);
  }

  /** Sends stored messages not yet in flight, oldest first, until storage has no more or the window is full. */
  async drain(): Promise<void> {
    if (this.#closed || this.uaid === undefined) return;
    if (this.#draining) {
      this.#dirty = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#dirty = false;
        const inFlight = this.#inFlight?.size ?? 0;
        const limit = inFlight + (this.#acked?.size ?? 0) + DRAIN_BATCH;
        const rows = await this.core.store.pendingMessages(this.uaid, limit, Date.now());
        if (this.#closed) return;
        let full = false;
        for (const row of rows) {
          if (this.#inFlight?.has(row.id) || this.#acked?.has(row.id)) continue;
          if ((this.#inFlight?.size ?? 0) >= MAX_IN_FLIGHT) {
            full = true;
            break;
          }
          this.#send(toNotification(row), true);
        }
        this.#backlog = full || rows.length === limit;
      } while (this.#dirty && !this.#closed);
    } catch (error) {
      this.log.error(
        { err: error, uaid: redactId(this.uaid) },
        'reading stored messages failed; closing so the UA retries',
      );
      this.transport.close(1011, 'internal error');
    } finally {
      this.#draining = false;
    }
  }

  #send(notification: OutgoingNotification, stored: boolean): void {
    this.#inFlight ??= new Map();
    this.#inFlight.set(notification.version, stored);
    this.transport.send(notificationFrame(notification));
  }

  /** A newer connection took this UAID. */
  replace(): void {
    this.transport.close(CloseCode.replaced, 'replaced by a newer connection');
    this.#release();
  }

  /** The socket closed. */
  closed(): void {
    this.#release();
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    const uaid = this.uaid;
    if (uaid === undefined) return;
    if (this.core.registry.detach(uaid, this)) this.core.connectionReleased(uaid);
  }
}

/** The frame for a stored message. */
export function toNotification(m: StoredMessage): OutgoingNotification {
  const n: OutgoingNotification = {
    channelID: m.channel_id,
    version: m.id,
    ttl: Math.max(0, Math.round((m.expires_at - Date.now()) / 1000)),
  };
  if (m.data !== null) {
    n.data = m.data;
    if (m.encoding === 'aesgcm') {
      n.headers = { encoding: 'aesgcm', encryption: m.encryption ?? '', crypto_key: m.crypto_key ?? '' };
    } else {
      n.headers = { encoding: 'aes128gcm' };
    }
  }
  return n;
}
