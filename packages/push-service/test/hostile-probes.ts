// Hostile clients for the push service, on loopback only: the tests (hostile-clients.test.ts) and the
// `npm run hostile` check (hostile-check.ts) both drive a running service with these.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { PUSH_SUBPROTOCOL } from '../src/index.js';

/** Resident memory of a process, from /proc (includes socket buffers, unlike the V8 heap). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Loopback source addresses (127.0.0.0/8 is all loopback on Linux), to spread sockets over several "clients". */
export function loopbackAddresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}`);
}

/** A masked client text frame (RFC 6455), as a browser sends it. */
export function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('short frames only');
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (const [i, byte] of payload.entries()) out[6 + i] = byte ^ mask.readUInt8(i % 4);
  return out;
}

/** A raw TCP connection that completed the WebSocket upgrade and then stops reading (the socket is paused). */
export async function nonReadingSocket(wsUrl: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(wsUrl);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: ${PUSH_SUBPROTOCOL}\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
  return socket;
}

/**
 * The probe's worst client: says `hello`, never reads again, and sends `{}` pings as fast as the service takes them
 * for `ms`. Returns the bytes it managed to hand to the kernel and whether the service stopped taking them.
 */
export async function floodWithoutReading(
  wsUrl: string,
  ms: number,
): Promise<{ socket: Socket; bytesSent: number; blocked: boolean }> {
  const socket = await nonReadingSocket(wsUrl);
  socket.write(clientFrame(JSON.stringify({ messageType: 'hello', use_webpush: true, broadcasts: {} })));
  const pings = Buffer.concat(Array.from({ length: 8192 }, () => clientFrame('{}')));
  const deadline = Date.now() + ms;
  let bytesSent = 0;
  let blocked = false;
  while (Date.now() < deadline && !socket.destroyed) {
    if (socket.write(pings)) {
      bytesSent += pings.length;
      // Let the event loop run (timers, the service's replies on loopback).
      await new Promise((r) => setImmediate(r));
      continue;
    }
    bytesSent += pings.length;
    const drained = await Promise.race([
      new Promise<boolean>((r) => socket.once('drain', () => r(true))),
      new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now()))),
    ]);
    if (!drained) blocked = true;
  }
  return { socket, bytesSent, blocked };
}

/** A WebSocket that never sends a frame, with when and how the service closed it. */
export interface SilentSocket {
  ws: WebSocket;
  closed: Promise<{ code: number; afterMs: number }>;
}

/** Opens `n` WebSockets spread over `addresses` that never send anything (not even `hello`). */
export async function openSilentSockets(wsUrl: string, n: number, addresses: string[]): Promise<SilentSocket[]> {
  const out: SilentSocket[] = [];
  const BATCH = 100;
  for (let i = 0; i < n; i += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, n - i) }, async (_, j) => {
        const ws = new WebSocket(wsUrl, PUSH_SUBPROTOCOL, {
          localAddress: addresses[(i + j) % addresses.length],
          perMessageDeflate: false,
        });
        const opened = Date.now();
        const closed = new Promise<{ code: number; afterMs: number }>((r) =>
          ws.once('close', (code) => r({ code, afterMs: Date.now() - opened })),
        );
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        ws.on('error', () => {});
        return { ws, closed };
      }),
    );
    out.push(...batch);
  }
  return out;
}

/** Resolves when a WebSocket upgrade from `localAddress` is refused (the HTTP status), or opened (101). */
export async function upgradeStatus(wsUrl: string, localAddress: string): Promise<number> {
  const ws = new WebSocket(wsUrl, PUSH_SUBPROTOCOL, { localAddress });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

/** Connects, says `hello` without a UAID, waits for the answer and leaves: `n` times, `parallel` at a time. */
export async function anonymousHellos(wsUrl: string, n: number, parallel = 50): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < n) {
        const ws = new WebSocket(wsUrl, PUSH_SUBPROTOCOL, { perMessageDeflate: false });
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        const reply = new Promise((r) => ws.once('message', r));
        ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true, broadcasts: {} }));
        await reply;
        await new Promise<void>((r) => {
          ws.once('close', () => r());
          ws.close();
        });
      }
    }),
  );
}

/** One user agent sending `n` registers for fresh channels; returns how many were answered with each status. */
export async function registerFlood(wsUrl: string, n: number): Promise<Map<number, number>> {
  const ws = new WebSocket(wsUrl, PUSH_SUBPROTOCOL, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const statuses = new Map<number, number>();
  let answered = 0;
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { messageType: string; status: number };
      if (m.messageType === 'hello') {
        // Sent in one go, as a hostile client would.
        for (let i = 0; i < n; i++) ws.send(JSON.stringify({ messageType: 'register', channelID: randomUUID() }));
        return;
      }
      if (m.messageType !== 'register') return;
      statuses.set(m.status, (statuses.get(m.status) ?? 0) + 1);
      if (++answered === n) resolve();
    });
  });
  ws.send(JSON.stringify({ messageType: 'hello', use_webpush: true, broadcasts: {} }));
  await done;
  ws.close();
  return statuses;
}

/**
 * Slowloris: `n` HTTP requests whose headers never finish (one header line, then silence). Resolves with each
 * socket's time to be closed by the service, or `Infinity` if it still was open after `waitMs`.
 */
export async function slowloris(url: string, n: number, waitMs: number): Promise<number[]> {
  const { hostname, port } = new URL(url);
  return Promise.all(
    Array.from({ length: n }, async () => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.on('error', () => {});
      const opened = Date.now();
      const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
      socket.write(`POST /push/x HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: 1\r\n`);
      socket.resume();
      const timer = new Promise<number>((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), waitMs));
      const result = await Promise.race([closed, timer]);
      socket.destroy();
      return result;
    }),
  );
}

/** `/health` of a running service. */
export async function health(url: string): Promise<{
  connections: number;
  sockets: number;
  closed: {
    helloTimeout: number;
    deadAfterPing: number;
    bufferFull: number;
    refusedPerAddress: number;
    pingFlood: number;
  };
}> {
  const response = await fetch(`${url}/health`);
  return (await response.json()) as Awaited<ReturnType<typeof health>>;
}

/** Polls `check` every 50 ms until it holds or `ms` passed; returns whether it held. */
export async function eventually(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
