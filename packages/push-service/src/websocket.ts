import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PushCore } from './delivery/push-core.js';
import { UserAgentSession } from './delivery/user-agent-session.js';
import { parseClientMessage } from './protocol/client-messages.js';
import { CloseCode } from './protocol/server-messages.js';

/** The WebSocket subprotocol of the Mozilla WebPush protocol. */
export const PUSH_SUBPROTOCOL = 'push-notification';

/** The user-agent side, sharing the HTTP server's port. */
export interface WebSocketGateway {
  /** Sends close frames to every user agent, then cuts the TCP connections that have not closed by `graceMs`. */
  close(graceMs: number): Promise<void>;
  readonly size: number;
}

/**
 * Accepts WebSocket upgrades on `server` (any path) and runs one {@link UserAgentSession} per connection. Frames
 * larger than `maxFrameBytes` close that connection (1009) and nothing else.
 */
export function attachWebSocketGateway(
  server: Server,
  core: PushCore,
  log: Logger,
  maxFrameBytes: number,
): WebSocketGateway {
  const sockets = new Set<WebSocket>();
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
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
  });

  function accept(ws: WebSocket): void {
    sockets.add(ws);
    const session = new UserAgentSession(
      core,
      {
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        close: (code, reason) => ws.close(code, reason),
      },
      log,
    );
    // Frames of one connection are handled in order (a register must finish before the unregister after it).
    let chain: Promise<void> | undefined;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return session.protocolError('binary frames are not part of the protocol');
      const parsed = parseClientMessage(data.toString());
      const run = async () => {
        try {
          // A refusal waits its turn too, so replies keep the order of the frames they answer.
          if (parsed.ok) await session.handle(parsed.message);
          else session.refuse(parsed.error);
        } catch (error) {
          log.error({ err: error, uaid: session.uaid }, 'handling a client message failed');
          ws.close(1011, 'internal error');
        }
      };
      const next: Promise<void> = chain ? chain.then(run) : run();
      chain = next;
      void next.then(() => {
        if (chain === next) chain = undefined;
      });
    });
    ws.on('error', (error) => log.debug({ err: error, uaid: session.uaid }, 'websocket error'));
    ws.on('close', () => {
      sockets.delete(ws);
      session.closed();
    });
  }

  return {
    get size() {
      return sockets.size;
    },
    async close(graceMs) {
      closing = true;
      const open = [...sockets];
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
