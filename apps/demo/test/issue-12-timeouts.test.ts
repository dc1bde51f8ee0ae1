import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@outpost/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoServer, DEFAULT_TIMEOUTS } from '../src/server/app.js';

// Issue 12 item 8, the app server's half (slowloris): half-open requests and idle sockets are closed.

let clientDir: string;
let store: Store;
const servers: FastifyInstance[] = [];

beforeAll(async () => {
  clientDir = await mkdtemp(join(tmpdir(), 'outpost-demo-timeouts-'));
  await writeFile(join(clientDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  store = await openStore({ url: ':memory:' });
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await store.close();
  await rm(clientDir, { recursive: true, force: true });
});

async function listening(timeouts: Parameters<typeof buildDemoServer>[0]['timeouts']): Promise<number> {
  const app = buildDemoServer({ store, clientDir, timeouts });
  servers.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Opens a socket, writes `first`, then one byte of `drip` every `everyMs`; resolves with how long until it closed. */
function slowClient(
  port: number,
  first: string,
  drip: string,
  everyMs: number,
): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.writable && sent < drip.length) socket.write(drip[sent++] ?? '');
    }, everyMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
    socket.on('connect', () => {
      if (first) socket.write(first);
    });
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error('the server kept the slow connection open for 15 s'));
    }, 15_000);
  });
}

describe('issue 12 item 8: app-server request and connection timeouts', () => {
  it('has finite timeouts by default (Fastify alone runs with requestTimeout 0)', async () => {
    const app = buildDemoServer({ store, clientDir });
    servers.push(app);
    await app.ready();
    expect(app.server.requestTimeout).toBe(DEFAULT_TIMEOUTS.requestMs);
    expect(app.server.headersTimeout).toBe(DEFAULT_TIMEOUTS.headersMs);
    expect(app.server.timeout).toBe(DEFAULT_TIMEOUTS.idleMs);
    expect(app.server.keepAliveTimeout).toBe(DEFAULT_TIMEOUTS.keepAliveMs);
    expect(DEFAULT_TIMEOUTS.requestMs).toBeGreaterThan(0);
  });

  const short = { headersMs: 1_000, requestMs: 2_000, idleMs: 1_500, keepAliveMs: 1_000, checkIntervalMs: 100 };

  it('closes a slowloris that drips its headers', async () => {
    const port = await listening(short);
    const result = await slowClient(
      port,
      'GET / HTTP/1.1\r\nHost: x\r\n',
      'X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      100,
    );
    expect(result.closedAfterMs).toBeLessThan(3_000);
    expect(result.answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a request that drips its body', async () => {
    const port = await listening(short);
    const head = 'POST /api/mail HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const result = await slowClient(port, head, '{'.repeat(1000), 100);
    expect(result.closedAfterMs).toBeLessThan(6_000);
  });

  it('closes a connection that never sends a byte', async () => {
    const port = await listening(short);
    const result = await slowClient(port, '', '', 1_000);
    expect(result.closedAfterMs).toBeLessThan(3_000);
  });
});
