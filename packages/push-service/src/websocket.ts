import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PushCore } from './delivery/push-core.js';
import { UserAgentSession } from './delivery/user-agent-session.js';
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
  const sockets = new Map<WebSocket, UserAgentSession>();
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
    for (const [ws, session] of sockets) {
      const silent = now - session.lastActive;
      if (session.uaid === undefined) {
        if (silent >= limits.helloTimeoutMs) {
          stats.helloTimeout++;
          closeNow(ws, CloseCode.policyViolation, 'no hello');
        }
      } else if (silent >= limits.pingIntervalMs + limits.pongTimeoutMs) {
        stats.deadAfterPing++;
        log.debug({ uaid: redactId(session.uaid) }, 'no answer to a ping: dropping the connection');
        ws.terminate();
      } else if (silent >= limits.pingIntervalMs && !session.pinged) {
        session.pinged = true;
        ws.ping();
      }
    }
  }

  function accept(ws: WebSocket, socket: Duplex, address: string): void {
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    let queued = 0;
    let paused = false;
    let waitingForDrain = false;
    /** A ping came while earlier frames were still unread: the client is behind; wait for it to catch up. */
    let behind = false;
    let pingSecond = 0;
    let pingsThisSecond = 0;
    // Reads stop while too many frames wait their turn or too many replies wait for the client to read them.
    const flow = () => {
      if (behind && ws.bufferedAmount === 0) behind = false;
      const full = behind || ws.bufferedAmount > limits.pauseReadingBytes;
      const stop = queued > MAX_QUEUED_FRAMES || full;
      if (full && !waitingForDrain) {
        waitingForDrain = true;
        socket.once('drain', () => {
          waitingForDrain = false;
          flow();
        });
      }
      if (stop !== paused) {
        paused = stop;
        if (stop) ws.pause();
        else ws.resume();
      }
    };
    const session = new UserAgentSession(
      core,
      {
        send: (text) => {
          if (ws.readyState !== ws.OPEN) return;
          if (ws.bufferedAmount + text.length > limits.maxBufferedBytes) {
            stats.bufferFull++;
            log.info({ uaid: redactId(session.uaid) }, 'client does not read its messages: closing');
            closeNow(ws, CloseCode.tryAgainLater, 'outgoing buffer full');
            return;
          }
          ws.send(text);
          if (ws.bufferedAmount > limits.pauseReadingBytes) flow();
        },
        keepAlive: () => {
          if (ws.readyState !== ws.OPEN) return;
          const second = Math.floor(Date.now() / 1000);
          if (second !== pingSecond) {
            pingSecond = second;
            pingsThisSecond = 0;
          }
          if (++pingsThisSecond > MAX_PINGS_PER_SECOND) {
            stats.pingFlood++;
            closeNow(ws, CloseCode.policyViolation, 'too many pings');
            return;
          }
          // Frames still queued for the client already answer its ping (a reply per ping from a client that does not
          // read is how one connection used to take a gigabyte).
          if (ws.bufferedAmount === 0) ws.send(pingReply());
          else {
            behind = true;
            flow();
          }
        },
        close: (code, reason) => ws.close(code, reason),
      },
      log,
    );
    sockets.set(ws, session);
    const failed = (error: unknown) => {
      log.error({ err: error, uaid: redactId(session.uaid) }, 'handling a client message failed');
      ws.close(1011, 'internal error');
    };
    // Frames of one connection are handled in order (a register must finish before the unregister after it).
    // Only frames that wait for storage, or arrive while one does, take a place in the chain.
    let chain: Promise<void> | undefined;
    ws.on('message', (data, isBinary) => {
      session.lastActive = Date.now();
      session.pinged = false;
      const text = isBinary ? undefined : data.toString();
      const run = (): Promise<void> | undefined => {
        try {
          if (text === undefined) session.protocolError('binary frames are not part of the protocol');
          else {
            // A refusal waits its turn too, so replies keep the order of the frames they answer.
            const parsed = parseClientMessage(text);
            if (parsed.ok) return session.handle(parsed.message)?.catch(failed);
            session.refuse(parsed.error);
          }
        } catch (error) {
          failed(error);
        }
        return undefined;
      };
      const pending = chain ? chain.then(run) : run();
      if (pending === undefined) return;
      queued++;
      if (queued > MAX_QUEUED_FRAMES) flow();
      const next = pending.then(() => {
        queued--;
        if (paused) flow();
      });
      chain = next;
      void next.then(() => {
        if (chain === next) chain = undefined;
      });
    });
    ws.on('pong', () => {
      session.lastActive = Date.now();
      session.pinged = false;
    });
    ws.on('error', (error) => log.debug({ err: error, uaid: redactId(session.uaid) }, 'websocket error'));
    ws.on('close', () => {
      sockets.delete(ws);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      session.closed();
    });
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
