import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { PushCore } from './delivery/push-core.js';
import { type SessionTransport, UserAgentSession } from './delivery/user-agent-session.js';
import type { ConnectionLimits } from './limits.js';
import { parseClientMessage } from './protocol/client-messages.js';
import { CloseCode, pingReply } from './protocol/server-messages.js';
import { redactId } from './redact.js';

/** The WebSocket subprotocol of the Mozilla WebPush protocol. */
export const PUSH_SUBPROTOCOL = 'push-notification';

/** Frames of one connection read but not yet handled, past which the service stops reading it. */
const MAX_QUEUED_FRAMES = 32;
/** Keep-alive pings one connection may send per second (Firefox sends one every 30 minutes); more close it. */
export const MAX_PINGS_PER_SECOND = 20;

/** Connections the limits closed or refused since start. */
export interface GatewayStats {
  /** Closed for not sending `hello` within `helloTimeoutMs`. */
  helloTimeout: number;
  /** Cut after an unanswered ping (`pingIntervalMs` + `pongTimeoutMs` of silence). */
  deadAfterPing: number;
  /** Closed for holding more than `maxBufferedBytes` of unread replies. */
  bufferFull: number;
  /** Upgrades refused because their address already had `maxConnectionsPerAddress` open. */
  refusedPerAddress: number;
  /** Closed for sending more than {@link MAX_PINGS_PER_SECOND} pings in a second. */
  pingFlood: number;
}

/** The user-agent side, sharing the HTTP server's port. */
export interface WebSocketGateway {
  /** Sends close frames to every user agent, then cuts the TCP connections that have not closed by `graceMs`. */
  close(graceMs: number): Promise<void>;
  /** Open WebSockets, with or without `hello`. */
  readonly size: number;
  readonly stats: Readonly<GatewayStats>;
}

/**
 * Accepts WebSocket upgrades on `server` (any path) and runs one {@link UserAgentSession} per connection. Frames
 * larger than `maxFrameBytes` close that connection (1009) and nothing else. Each connection is bounded: what it
 * may leave queued for it, how long it may stay without `hello`, how long silent, how many per address.
 */
export function attachWebSocketGateway(
  server: Server,
  core: PushCore,
  log: Logger,
  maxFrameBytes: number,
  limits: ConnectionLimits,
): WebSocketGateway {
  const sockets = new Map<WebSocket, Connection>();
  const perAddress = new Map<string, number>();
  const stats: GatewayStats = { helloTimeout: 0, deadAfterPing: 0, bufferFull: 0, refusedPerAddress: 0, pingFlood: 0 };
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(PUSH_SUBPROTOCOL) ? PUSH_SUBPROTOCOL : false),
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const address = request.socket.remoteAddress ?? '';
    if ((perAddress.get(address) ?? 0) >= limits.maxConnectionsPerAddress) {
      stats.refusedPerAddress++;
      socket.write(
        'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 60\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, socket, address));
  });

  // One timer for every connection (a timer each would cost more memory than the rest of an idle connection).
  const tick = Math.max(50, Math.min(limits.helloTimeoutMs, limits.pingIntervalMs, limits.pongTimeoutMs) / 4);
  const sweeper = setInterval(() => sweep(Date.now()), tick).unref();

  function sweep(now: number): void {
    // forEach, not for-of over entries: no [key, value] array per connection per tick.
    sockets.forEach((c, ws) => {
      const silent = now - c.lastActive;
      if (c.session.uaid === undefined) {
        if (silent >= limits.helloTimeoutMs) {
          stats.helloTimeout++;
          closeNow(ws, CloseCode.policyViolation, 'no hello');
        }
      } else if (silent >= limits.pingIntervalMs + limits.pongTimeoutMs) {
        stats.deadAfterPing++;
        log.debug({ uaid: redactId(c.session.uaid) }, 'no answer to a ping: dropping the connection');
        ws.terminate();
      } else if (silent >= limits.pingIntervalMs && !c.pinged) {
        c.pinged = true;
        ws.ping();
      } else if (c.paused) {
        // A small queue that emptied emits no 'drain': look again.
        c.flow();
      }
    });
  }

  const context: ConnectionContext = { core, log, limits, stats };
  function accept(ws: WebSocket, socket: Duplex, address: string): void {
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    sockets.set(ws, new Connection(ws, socket, address, context));
    // Listeners shared by every connection (`this` is the socket): closures per connection would cost memory.
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    ws.on('error', onError);
    ws.on('close', onClose);
  }

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    sockets.get(this)?.onFrame(isBinary ? undefined : data.toString());
  }

  function onPong(this: WebSocket): void {
    const c = sockets.get(this);
    if (c) {
      c.lastActive = Date.now();
      c.pinged = false;
    }
  }

  function onError(this: WebSocket, error: Error): void {
    log.debug({ err: error, uaid: redactId(sockets.get(this)?.session.uaid) }, 'websocket error');
  }

  function onClose(this: WebSocket): void {
    const c = sockets.get(this);
    if (!c) return;
    sockets.delete(this);
    const left = (perAddress.get(c.address) ?? 1) - 1;
    if (left > 0) perAddress.set(c.address, left);
    else perAddress.delete(c.address);
    c.session.closed();
  }

  return {
    get size() {
      return sockets.size;
    },
    stats,
    async close(graceMs) {
      closing = true;
      clearInterval(sweeper);
      const open = [...sockets.keys()];
      if (open.length === 0) return;
      const allClosed = Promise.all(open.map((ws) => new Promise((r) => ws.once('close', r))));
      for (const ws of open) ws.close(CloseCode.goingAway, 'server shutting down');
      // Firefox would otherwise wait for its ping timeout on a half-closed connection.
      const timer = new Promise<void>((r) => setTimeout(r, graceMs).unref());
      await Promise.race([allClosed, timer]);
      for (const ws of open) ws.terminate();
    },
  };
}

/**
 * Sends a close frame and cuts the connection at once: the peer is either silent or not reading, so waiting for its
 * closing handshake would only keep the socket (Firefox, too, would wait for its ping timeout on a half-closed one).
 */
function closeNow(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason);
  ws.terminate();
}

/** What every connection shares. */
interface ConnectionContext {
  core: PushCore;
  log: Logger;
  limits: ConnectionLimits;
  stats: GatewayStats;
}

/**
 * One WebSocket: the transport of its {@link UserAgentSession}, with its flow control. Reads stop while too many
 * frames wait their turn or too many bytes wait for the client to read them; past `maxBufferedBytes` the connection
 * is closed.
 */
class Connection implements SessionTransport {
  readonly session: UserAgentSession;
  /** When the client last sent anything (a frame or a pong); the gateway's sweep reads it. */
  lastActive = Date.now();
  /** A WebSocket ping went out since `lastActive`. */
  pinged = false;
  paused = false;
  /** Frames waiting for the one before them (which waits for storage). */
  #queued = 0;
  #chain: Promise<void> | undefined;
  #waitingForDrain = false;
  /** A ping came while earlier frames were still unread: the client is behind; wait for it to catch up. */
  #behind = false;
  #pingSecond = 0;
  #pingsThisSecond = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    readonly address: string,
    private readonly context: ConnectionContext,
  ) {
    this.session = new UserAgentSession(context.core, this, context.log);
  }

  send(text: string): void {
    const { ws } = this;
    if (ws.readyState !== ws.OPEN) return;
    const { limits, stats, log } = this.context;
    if (ws.bufferedAmount + text.length > limits.maxBufferedBytes) {
      stats.bufferFull++;
      log.info({ uaid: redactId(this.session.uaid) }, 'client does not read its messages: closing');
      closeNow(ws, CloseCode.tryAgainLater, 'outgoing buffer full');
      return;
    }
    ws.send(text);
    if (ws.bufferedAmount > limits.pauseReadingBytes) this.flow();
  }

  keepAlive(): void {
    const { ws } = this;
    if (ws.readyState !== ws.OPEN) return;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#pingSecond) {
      this.#pingSecond = second;
      this.#pingsThisSecond = 0;
    }
    if (++this.#pingsThisSecond > MAX_PINGS_PER_SECOND) {
      this.context.stats.pingFlood++;
      closeNow(ws, CloseCode.policyViolation, 'too many pings');
      return;
    }
    // Frames still queued for the client already answer its ping (a reply per ping from a client that does not
    // read is how one connection used to take a gigabyte).
    if (ws.bufferedAmount === 0) ws.send(pingReply());
    else {
      this.#behind = true;
      this.flow();
    }
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Pauses or resumes reading as the queues say. */
  flow(): void {
    const { ws } = this;
    if (this.#behind && ws.bufferedAmount === 0) this.#behind = false;
    const full = this.#behind || ws.bufferedAmount > this.context.limits.pauseReadingBytes;
    const stop = this.#queued > MAX_QUEUED_FRAMES || full;
    if (full && !this.#waitingForDrain) {
      this.#waitingForDrain = true;
      this.socket.once('drain', () => {
        this.#waitingForDrain = false;
        this.flow();
      });
    }
    if (stop !== this.paused) {
      this.paused = stop;
      if (stop) ws.pause();
      else ws.resume();
    }
  }

  /** A frame arrived (`undefined`: a binary one). Frames are handled in order; only those that wait for storage, or
   * arrive while one does, take a place in the chain. */
  onFrame(text: string | undefined): void {
    this.lastActive = Date.now();
    this.pinged = false;
    const run = () => this.#handle(text);
    const pending = this.#chain ? this.#chain.then(run) : run();
    if (pending === undefined) return;
    this.#queued++;
    if (this.#queued > MAX_QUEUED_FRAMES) this.flow();
    const next = pending.then(() => {
      this.#queued--;
      if (this.paused) this.flow();
    });
    this.#chain = next;
    void next.then(() => {
      if (this.#chain === next) this.#chain = undefined;
    });
  }

  #handle(text: string | undefined): Promise<void> | undefined {
    try {
      if (text === undefined) {
        this.session.protocolError('binary frames are not part of the protocol');
        return undefined;
      }
      const parsed = parseClientMessage(text);
      if (parsed.ok) return this.session.handle(parsed.message)?.catch((error) => this.#failed(error));
      // A refusal waits its turn too, so replies keep the order of the frames they answer.
      this.session.refuse(parsed.error);
    } catch (error) {
      this.#failed(error);
    }
    return undefined;
  }

  #failed(error: unknown): void {
    this.context.log.error({ err: error, uaid: redactId(this.session.uaid) }, 'handling a client message failed');
    this.ws.close(1011, 'internal error');
  }
}
