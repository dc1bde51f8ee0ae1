import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http2 from 'node:http2';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Connection } from '../src/h2-connection.js';
import {
  ErrorCode,
  Flag,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameReader,
  FrameType,
  frame,
  H2ProtocolError,
  PREFACE,
  settingsFrame,
  writeFrameHeader,
} from '../src/h2-frames.js';
import { H2Sessions } from '../src/h2-sessions.js';
import { HpackError } from '../src/hpack.js';
import { defined } from './defined.js';
import { selfSignedCertificate } from './tls-cert.js';

// H2Connection and H2Sessions against real peers: node:http2 servers for the protocol as nghttp2 speaks it,
// and raw TLS servers that send what no good server would.

const { cert, key } = selfSignedCertificate();
const secureContext = tls.createSecureContext({ ca: cert });

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function closeServer(server: Server, sockets: Iterable<{ destroy(): void }>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface H2Server {
  origin: string;
  sessions: Set<http2.ServerHttp2Session>;
  /** Sessions ever opened. */
  sessionCount: () => number;
}

async function h2Server(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  options: Omit<http2.SecureServerOptions, 'cert' | 'key'> = {},
): Promise<H2Server> {
  const server = http2.createSecureServer({ cert, key, ...options });
  const sessions = new Set<http2.ServerHttp2Session>();
  let count = 0;
  server.on('session', (session) => {
    count++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    // Streams the client resets or gives up on end in errors nobody here waits for.
    stream.on('error', () => undefined);
    onStream(stream, headers);
  });
  const origin = await listen(server);
  cleanups.push(() => closeServer(server, sessions));
  return { origin, sessions, sessionCount: () => count };
}

function connect(origin: string, onGone?: () => void): H2Connection {
  const connection = new H2Connection(origin, {
    secureContext,
    connectTimeoutMs: 5_000,
    ...(onGone ? { onGone } : {}),
  });
  cleanups.push(() => connection.destroy(new Error('test over')));
  return connection;
}

function sessionsTo(origin: string, options: { maxSessions: number; streamsPerSession: number }): H2Sessions {
  const sessions = new H2Sessions(origin, { secureContext, connectTimeoutMs: 5_000, idleMs: 30_000, ...options });
  cleanups.push(() => sessions.close());
  return sessions;
}

function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A promise and the function that settles it, for a test to wait on what a server saw. */
function signal<T = void>(): { promise: Promise<T>; fire: (value: T) => void } {
  let fire: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

const opts = { timeoutMs: 5_000 };

describe('H2Connection against node:http2', () => {
  it('sends 200 concurrent POSTs with their paths, bodies and headers, and matches every answer to its request', async () => {
    const seen: Array<{ path: string; method: string; headers: http2.IncomingHttpHeaders; body: Buffer }> = [];
    const { origin } = await h2Server(async (stream, headers) => {
      const body = await readBody(stream);
      const path = String(headers[':path']);
      seen.push({ path, method: String(headers[':method']), headers, body });
      // Answer out of order, so a mix-up of streams would show.
      setTimeout(
        () => stream.respond({ ':status': 201, location: `/m${path}` }, { endStream: true }),
        (body[0] ?? 0) % 7,
      );
    });
    const connection = connect(origin);
    await connection.ready;
    const shared = {
      TTL: '60',
      'Content-Encoding': 'aes128gcm',
      authorization: 'vapid t=eyJhbGciOiJFUzI1NiJ9.e30.sig, k=BKey',
      urgency: 'high',
    };
    const requests = Array.from({ length: 200 }, (_, i) => {
      const path = `/push/${i}`;
      const body = Buffer.from(`message ${i} `.repeat(1 + (i % 13)));
      body[0] = i & 0xff;
      // Half share one headers object (its block is cached), half have one of their own with a topic.
      const headers = i % 2 === 0 ? shared : { ...shared, topic: `t${i}` };
      return { path, body, headers };
    });
    const responses = await Promise.all(
      requests.map(({ path, headers, body }) => connection.request(path, headers, body, opts)),
    );
    expect(responses.map((r) => r.status)).toEqual(requests.map(() => 201));
    expect(responses.map((r) => r.headers.location)).toEqual(requests.map(({ path }) => `/m${path}`));
    expect(responses.every((r) => r.text === '')).toBe(true);
    expect(seen).toHaveLength(200);
    const byPath = new Map(seen.map((s) => [s.path, s]));
    for (const [i, { path, body }] of requests.entries()) {
      const got = defined(byPath.get(path), `the server's record of ${path}`);
      expect(got.method).toBe('POST');
      expect(got.body.equals(body)).toBe(true);
      expect(got.headers).toMatchObject({
        ':scheme': 'https',
        ':authority': new URL(origin).host,
        ttl: '60',
        'content-encoding': 'aes128gcm',
        authorization: 'vapid t=eyJhbGciOiJFUzI1NiJ9.e30.sig, k=BKey',
        urgency: 'high',
      });
      expect(got.headers.topic).toBe(i % 2 === 0 ? undefined : `t${i}`);
    }
    expect(connection.usable).toBe(true);
  });

  it('sends a request without a body with END_STREAM on its HEADERS', async () => {
    let length = -1;
    const { origin } = await h2Server(async (stream) => {
      length = (await readBody(stream)).length;
      stream.respond({ ':status': 204 }, { endStream: true });
    });
    const connection = connect(origin);
    const response = await connection.request('/empty', { ttl: '0' }, null, opts);
    expect(response.status).toBe(204);
    expect(length).toBe(0);
  });

  it("keeps exactly the first 2048 bytes of a failure's body", async () => {
    const reason = Array.from({ length: 5120 }, (_, i) => String.fromCharCode(33 + (i % 90))).join('');
    const { origin } = await h2Server((stream) => {
      stream.respond({ ':status': 400, 'content-type': 'text/plain' });
      // In several DATA frames, split across the 2048-byte mark.
      stream.write(reason.slice(0, 1000));
      stream.write(reason.slice(1000, 3000));
      stream.end(reason.slice(3000));
    });
    const connection = connect(origin);
    const response = await connection.request('/bad', {}, Buffer.from('x'), opts);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.text).toBe(reason.slice(0, 2048));
  });

  it('waits for WINDOW_UPDATE to send a body larger than the windows', async () => {
    const bodies: Buffer[] = [];
    const { origin } = await h2Server(
      async (stream) => {
        bodies.push(await readBody(stream));
        stream.respond({ ':status': 201 }, { endStream: true });
      },
      { settings: { initialWindowSize: 1000 } },
    );
    const connection = connect(origin);
    // A first request makes sure the server's SETTINGS (a stream window of 1000) are in force.
    expect((await connection.request('/first', {}, Buffer.from('hi'), opts)).status).toBe(201);
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
    const other = Buffer.alloc(5_000, 7);
    const [a, b] = await Promise.all([
      connection.request('/big', {}, big, opts),
      connection.request('/other', {}, other, opts),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(bodies).toHaveLength(3);
    const received = defined(
      bodies.find((body) => body.length === big.length),
      'the big body',
    );
    expect(received.equals(big)).toBe(true);
    expect(bodies.some((body) => body.equals(other))).toBe(true);
  });

  it('fails only the stream the server resets, before its answer', async () => {
    const { origin } = await h2Server((stream, headers) => {
      if (headers[':path'] === '/reset') stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      else setTimeout(() => stream.respond({ ':status': 201 }, { endStream: true }), 20);
    });
    const connection = connect(origin);
    const [a, reset, b] = await Promise.allSettled([
      connection.request('/a', {}, Buffer.from('a'), opts),
      connection.request('/reset', {}, Buffer.from('r'), opts),
      connection.request('/b', {}, Buffer.from('b'), opts),
    ]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { status: 201 } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { status: 201 } });
    expect(reset).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_STREAM_ERROR' } });
    expect(connection.usable).toBe(true);
    expect((await connection.request('/c', {}, Buffer.from('c'), opts)).status).toBe(201);
  });

  it('on GOAWAY fails the streams above the last id as retryable, finishes the others, then takes no more', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    const { origin } = await h2Server((stream) => {
      held.push(stream);
      if (held.length < 4) return;
      const session = defined(stream.session, 'the server session');
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, 3);
      setTimeout(() => {
        for (const s of held)
          if ((s.id ?? 0) <= 3) s.respond({ ':status': 201, 'x-id': String(s.id) }, { endStream: true });
      }, 30);
    });
    let gone = 0;
    const connection = connect(origin, () => gone++);
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((i) => connection.request(`/${i}`, {}, Buffer.from(String(i)), opts)),
    );
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { status: 201, headers: { 'x-id': '1' } } });
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { status: 201, headers: { 'x-id': '3' } } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_GOAWAY_SESSION' } });
    expect(results[3]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_GOAWAY_SESSION' } });
    expect(connection.usable).toBe(false);
    expect(gone).toBe(1);
    await expect(connection.request('/5', {}, null, opts)).rejects.toMatchObject({
      code: 'ERR_HTTP2_GOAWAY_SESSION',
    });
  });

  it('fails the held streams when the server drops its session', async () => {
    const arrived = signal();
    let count = 0;
    const { origin, sessions } = await h2Server(() => {
      if (++count === 2) arrived.fire();
    });
    const connection = connect(origin);
    await connection.ready;
    const pending = [
      connection.request('/1', {}, Buffer.from('1'), opts),
      connection.request('/2', {}, Buffer.from('2'), opts),
    ];
    const settled = Promise.allSettled(pending);
    await arrived.promise;
    for (const s of sessions) s.destroy();
    const results = await settled;
    for (const r of results) expect(r.status).toBe('rejected');
    expect(connection.usable).toBe(false);
  });

  it('fails a request the server never answers after timeoutMs, resetting its stream, and goes on', async () => {
    const resetCode = signal<number>();
    const { origin } = await h2Server((stream, headers) => {
      if (headers[':path'] === '/hang') {
        stream.on('close', () => resetCode.fire(stream.rstCode));
        return;
      }
      stream.respond({ ':status': 201 }, { endStream: true });
    });
    const connection = connect(origin);
    await connection.ready;
    const started = performance.now();
    await expect(connection.request('/hang', {}, Buffer.from('x'), { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
    expect(await resetCode.promise).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(connection.usable).toBe(true);
    expect((await connection.request('/ok', {}, Buffer.from('y'), opts)).status).toBe(201);
  });

  it('rejects with the reason of an AbortSignal aborted mid-request, and the connection goes on', async () => {
    const hanging = signal();
    const resetCode = signal<number>();
    const { origin } = await h2Server((stream, headers) => {
      if (String(headers[':path']).startsWith('/hang')) {
        if (headers[':path'] === '/hang') stream.on('close', () => resetCode.fire(stream.rstCode));
        hanging.fire();
        return;
      }
      stream.respond({ ':status': 201 }, { endStream: true });
    });
    const connection = connect(origin);
    const controller = new AbortController();
    const reason = new Error('stop now');
    // Two requests share one signal, as a fan-out's do; a third has finished before the abort.
    const done = await connection.request('/done', {}, Buffer.from('d'), { ...opts, signal: controller.signal });
    expect(done.status).toBe(201);
    const first = connection.request('/hang', {}, Buffer.from('x'), { ...opts, signal: controller.signal });
    const second = connection.request('/hang2', {}, Buffer.from('x'), { ...opts, signal: controller.signal });
    await hanging.promise;
    controller.abort(reason);
    await expect(first).rejects.toBe(reason);
    await expect(second).rejects.toBe(reason);
    expect(await resetCode.promise).toBe(http2.constants.NGHTTP2_CANCEL);
    // An aborted signal fails a new request at once.
    await expect(connection.request('/ok', {}, null, { ...opts, signal: controller.signal })).rejects.toBe(reason);
    expect(connection.usable).toBe(true);
    expect((await connection.request('/ok', {}, Buffer.from('y'), opts)).status).toBe(201);
  });

  it('decodes response headers that span CONTINUATION frames, and sends request headers that do', async () => {
    // ~6 bits a character in Huffman code: a 40,000-character value needs about 30 KB, two frames or more.
    const big = Array.from({ length: 40_000 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7) % 36]).join('');
    const bigRequest = Array.from({ length: 30_000 }, (_, i) => String.fromCharCode(65 + ((i * 13) % 58))).join('');
    let seenRequest: unknown;
    const { origin } = await h2Server((stream, headers) => {
      if (headers[':path'] === '/big') seenRequest = headers['x-big-request'];
      stream.respond(
        { ':status': 201, 'x-big': headers[':path'] === '/big' ? big : 'small', 'set-cookie': ['a=1', 'b=2'] },
        { endStream: true },
      );
    });
    const connection = connect(origin);
    const response = await connection.request('/big', { 'x-big-request': bigRequest }, Buffer.from('x'), opts);
    expect(response.status).toBe(201);
    expect(response.headers['x-big']).toBe(big);
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(seenRequest).toBe(bigRequest);
    // Both sides' HPACK tables still agree.
    const next = await connection.request('/next', { ttl: '1' }, Buffer.from('y'), opts);
    expect(next.headers['x-big']).toBe('small');
  });

  it('answers a 200 with a 2 MB body without reading it all, and keeps the connection working', async () => {
    const payload = Buffer.alloc(2 << 20, 0x61);
    const { origin } = await h2Server(
      (stream, headers) => {
        stream.respond({ ':status': headers[':path'] === '/error' ? 500 : 200 });
        stream.end(payload);
      },
      // node buffers every 2 MB answer whole; past its default 10 MB a session refuses new streams.
      { maxSessionMemory: 200 },
    );
    const connection = connect(origin);
    // 20 in a row: more than the 16 MiB connection window, so it must be credited back as it goes.
    for (let i = 0; i < 20; i++) {
      const response = await connection.request(`/big/${i}`, {}, Buffer.from('x'), opts);
      expect(response).toEqual({ status: 200, headers: expect.any(Object), text: '' });
    }
    const failure = await connection.request('/error', {}, Buffer.from('x'), opts);
    expect(failure.status).toBe(500);
    expect(failure.text).toBe('a'.repeat(2048));
    expect(connection.usable).toBe(true);
  });

  it('sends DATA frames as large as the server allows', async () => {
    const bodies: Buffer[] = [];
    const { origin } = await h2Server(
      async (stream) => {
        bodies.push(await readBody(stream));
        stream.respond({ ':status': 201 }, { endStream: true });
      },
      { settings: { maxFrameSize: 100_000 } },
    );
    const connection = connect(origin);
    await connection.ready;
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131) & 0xff;
    expect((await connection.request('/big', {}, big, opts)).status).toBe(201);
    expect(defined(bodies[0], 'the body').equals(big)).toBe(true);
  });

  it("keeps to the server's HPACK table size, before and after its SETTINGS arrive", async () => {
    const seen: Array<{ path: string; ttl: unknown; topic: unknown }> = [];
    const { origin } = await h2Server(
      (stream, headers) => {
        seen.push({ path: String(headers[':path']), ttl: headers.ttl, topic: headers.topic });
        stream.respond({ ':status': 201 }, { endStream: true });
      },
      { settings: { headerTableSize: 0 } },
    );
    const connection = connect(origin);
    const shared = { ttl: '60', urgency: 'normal', authorization: 'vapid t=abc, k=def' };
    const send = (i: number) => connection.request(`/${i}`, i % 3 ? shared : { ...shared, topic: `t${i}` }, null, opts);
    // Encoded before the server's SETTINGS: with the default table of 4096 octets.
    const early = Array.from({ length: 10 }, (_, i) => send(i));
    await connection.ready;
    const late = Array.from({ length: 10 }, (_, i) => send(10 + i));
    const responses = await Promise.all([...early, ...late]);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    expect(seen.map((r) => r.path).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `/${i}`).sort());
    for (const r of seen) {
      const i = Number(r.path.slice(1));
      expect(r).toEqual({ path: `/${i}`, ttl: '60', topic: i % 3 ? undefined : `t${i}` });
    }
  });

  it('skips interim 1xx responses and reads a failure body followed by trailers', async () => {
    const { origin } = await h2Server((stream, headers) => {
      stream.additionalHeaders({ ':status': 103, link: '</a>' });
      if (headers[':path'] === '/trailers') {
        stream.respond({ ':status': 429, 'retry-after': '5' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'yes' }));
        stream.end('slow down');
        return;
      }
      stream.respond({ ':status': 201, location: '/m/1' }, { endStream: true });
    });
    const connection = connect(origin);
    const interim = await connection.request('/interim', {}, Buffer.from('x'), opts);
    expect(interim).toEqual({ status: 201, headers: expect.objectContaining({ location: '/m/1' }), text: '' });
    expect(interim.headers.link).toBeUndefined();
    const trailers = await connection.request('/trailers', {}, Buffer.from('x'), opts);
    expect(trailers.status).toBe(429);
    expect(trailers.headers['retry-after']).toBe('5');
    expect(trailers.text).toBe('slow down');
  });

  it('counts a stream reset after its response headers as answered', async () => {
    const { origin } = await h2Server((stream) => {
      stream.respond({ ':status': 202 });
      stream.write('partial', () => stream.close(http2.constants.NGHTTP2_CANCEL));
    });
    const connection = connect(origin);
    const response = await connection.request('/x', {}, Buffer.from('x'), opts);
    expect(response.status).toBe(202);
    expect(connection.usable).toBe(true);
  });

  it('answers PING with its payload', async () => {
    const { origin, sessions } = await h2Server((stream) => stream.respond({ ':status': 201 }, { endStream: true }));
    const connection = connect(origin);
    expect((await connection.request('/a', {}, null, opts)).status).toBe(201);
    const session = defined([...sessions][0], 'the server session');
    const payload = Buffer.from('12345678');
    const echoed = await new Promise<Buffer>((resolve, reject) =>
      session.ping(payload, (error, _ms, back) => (error ? reject(error) : resolve(back))),
    );
    expect(echoed.equals(payload)).toBe(true);
  });

  it('close() lets the streams in flight finish, then resolves; takes no new requests meanwhile', async () => {
    const arrived = signal();
    const serverClosed = signal();
    const { origin } = await h2Server((stream) => {
      stream.session?.on('close', () => serverClosed.fire());
      arrived.fire();
      setTimeout(() => stream.respond({ ':status': 201 }, { endStream: true }), 100);
    });
    let gone = 0;
    const connection = connect(origin, () => gone++);
    const order: string[] = [];
    const inFlight = connection.request('/slow', {}, Buffer.from('x'), opts).then((r) => {
      order.push(`response ${r.status}`);
    });
    await arrived.promise;
    const closed = connection.close().then(() => order.push('closed'));
    expect(connection.usable).toBe(false);
    expect(gone).toBe(1);
    await expect(connection.request('/late', {}, null, opts)).rejects.toMatchObject({
      code: 'ERR_HTTP2_GOAWAY_SESSION',
    });
    await Promise.all([inFlight, closed]);
    expect(order).toEqual(['response 201', 'closed']);
    await serverClosed.promise;
  });

  it('does not hold the process open when idle and unref’d', async () => {
    const { origin } = await h2Server((stream) => stream.respond({ ':status': 201 }, { endStream: true }));
    const moduleUrl = new URL('../src/h2-connection.ts', import.meta.url).href;
    const script = `import tls from 'node:tls';
      import { H2Connection } from ${JSON.stringify(moduleUrl)};
      const c = new H2Connection(${JSON.stringify(origin)}, {
        secureContext: tls.createSecureContext({ ca: ${JSON.stringify(cert)} }), connectTimeoutMs: 5000 });
      console.log((await c.request('/x', {}, null, { timeoutMs: 5000 })).status);
      c.ref(false);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => child.kill());
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill(), 8_000);
    const [code] = await once(child, 'close');
    clearTimeout(timer);
    expect(out.trim()).toBe('201');
    expect(code).toBe(0);
  }, 15_000);
});

describe('H2Sessions against node:http2', () => {
  it("keeps to the server's MAX_CONCURRENT_STREAMS", async () => {
    let open = 0;
    let most = 0;
    const { origin, sessionCount } = await h2Server(
      (stream) => {
        open++;
        most = Math.max(most, open);
        stream.on('close', () => open--);
        setTimeout(() => stream.respond({ ':status': 201 }, { endStream: true }), 10);
      },
      { settings: { maxConcurrentStreams: 2 } },
    );
    const sessions = sessionsTo(origin, { maxSessions: 1, streamsPerSession: 100 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => sessions.post(`/${i}`, {}, Buffer.from(String(i)), opts)),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason))).toEqual(results.map(() => 201));
    expect(most).toBeLessThanOrEqual(2);
    expect(sessionCount()).toBe(1);
  });

  it('lets a request waiting for a free stream be aborted, and the others go on', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    const seen: string[] = [];
    const { origin } = await h2Server((stream, headers) => {
      seen.push(String(headers[':path']));
      held.push(stream);
    });
    const sessions = sessionsTo(origin, { maxSessions: 1, streamsPerSession: 1 });
    const first = sessions.post('/first', {}, null, opts);
    const controller = new AbortController();
    const waiting = sessions.post('/aborted', {}, null, { ...opts, signal: controller.signal });
    const third = sessions.post('/third', {}, null, opts);
    while (held.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const reason = new Error('the user gave up');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    defined(held[0], 'the first stream').respond({ ':status': 201 }, { endStream: true });
    expect((await first).status).toBe(201);
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    defined(held[1], 'the third stream').respond({ ':status': 201 }, { endStream: true });
    expect((await third).status).toBe(201);
    // The aborted request never reached the server.
    expect(seen).toEqual(['/first', '/third']);
  });

  it('closes a session idle for idleMs, and opens another for the next request', async () => {
    const closed = signal();
    const { origin, sessionCount } = await h2Server((stream) => {
      stream.session?.once('close', () => closed.fire());
      stream.respond({ ':status': 201 }, { endStream: true });
    });
    const sessions = new H2Sessions(origin, {
      secureContext,
      connectTimeoutMs: 5_000,
      idleMs: 100,
      maxSessions: 1,
      streamsPerSession: 10,
    });
    cleanups.push(() => sessions.close());
    expect((await sessions.post('/1', {}, null, opts)).status).toBe(201);
    await closed.promise;
    expect((await sessions.post('/2', {}, null, opts)).status).toBe(201);
    expect(sessionCount()).toBe(2);
  });

  it('opens a new connection after GOAWAY, and the streams the server dropped fail as retryable', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    let sessionNumber = 0;
    const numbers = new WeakMap<http2.Http2Session, number>();
    const { origin, sessionCount } = await h2Server((stream) => {
      const session = defined(stream.session, 'the server session');
      if (!numbers.has(session)) numbers.set(session, ++sessionNumber);
      const n = numbers.get(session);
      if (n !== 1) {
        stream.respond({ ':status': 201, 'x-session': String(n) }, { endStream: true });
        return;
      }
      held.push(stream);
      if (held.length < 3) return;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
      setTimeout(() => {
        for (const s of held) if (s.id === 1) s.respond({ ':status': 201, 'x-session': '1' }, { endStream: true });
      }, 30);
    });
    const sessions = sessionsTo(origin, { maxSessions: 1, streamsPerSession: 100 });
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => sessions.post(`/${i}`, {}, Buffer.from(String(i)), opts)),
    );
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { status: 201, headers: { 'x-session': '1' } } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_GOAWAY_SESSION' } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_GOAWAY_SESSION' } });
    const next = await sessions.post('/next', {}, Buffer.from('n'), opts);
    expect(next).toMatchObject({ status: 201, headers: { 'x-session': '2' } });
    expect(sessionCount()).toBe(2);
  });
});

interface RawPeer {
  socket: tls.TLSSocket;
  /** Frames the client sent after its preface. */
  frames: Frame[];
}

/**
 * A TLS server speaking h2 in ALPN that reads the client's preface and frames, and calls `onHeaders` when the
 * client's first HEADERS frame has arrived: the test writes what it likes from there.
 */
async function rawServer(onHeaders: (peer: RawPeer) => void, options: { silent?: boolean } = {}): Promise<string> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert, key, ALPNProtocols: ['h2'] }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    const peer: RawPeer = { socket, frames: [] };
    const reader = new FrameReader(1 << 20);
    let pending = Buffer.alloc(0);
    let prefaced = false;
    let told = false;
    socket.on('data', (chunk: Buffer) => {
      if (!prefaced) {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < PREFACE.length) return;
        expect(pending.subarray(0, PREFACE.length).equals(PREFACE)).toBe(true);
        prefaced = true;
        if (!options.silent) socket.write(settingsFrame([]));
        chunk = pending.subarray(PREFACE.length);
      }
      reader.push(chunk, (f) => {
        peer.frames.push({ ...f, payload: Buffer.from(f.payload) });
        if (f.type === FrameType.HEADERS && !told) {
          told = true;
          onHeaders(peer);
        }
      });
    });
  });
  const origin = await listen(server);
  cleanups.push(() => closeServer(server, sockets));
  return origin;
}

describe('H2Connection against hostile servers', () => {
  it('fails on a frame over its advertised size: FRAME_SIZE_ERROR, and the connection is unusable', async () => {
    const origin = await rawServer(({ socket }) => {
      const header = Buffer.alloc(FRAME_HEADER_BYTES);
      writeFrameHeader(header, 0, 20_000, FrameType.DATA, 0, 1);
      socket.write(header);
    });
    let gone = 0;
    const connection = connect(origin, () => gone++);
    const error = await connection.request('/x', {}, Buffer.from('x'), opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(H2ProtocolError);
    expect(error).toMatchObject({ errorCode: ErrorCode.FRAME_SIZE_ERROR });
    expect(connection.usable).toBe(false);
    expect(gone).toBe(1);
    await expect(connection.request('/y', {}, null, opts)).rejects.toMatchObject({ code: 'ERR_HTTP2_GOAWAY_SESSION' });
  });

  it('fails on a header block that is not valid HPACK', async () => {
    const origin = await rawServer(({ socket }) => {
      socket.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from([0x80])));
    });
    const connection = connect(origin);
    await expect(connection.request('/x', {}, Buffer.from('x'), opts)).rejects.toBeInstanceOf(HpackError);
    expect(connection.usable).toBe(false);
  });

  it('fails on PUSH_PROMISE, which it disabled', async () => {
    const origin = await rawServer(({ socket }) => {
      // Promised stream 2, its request header block ":method: GET" (static index 2).
      socket.write(frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.from([0, 0, 0, 2, 0x82])));
    });
    const connection = connect(origin);
    const error = await connection.request('/x', {}, Buffer.from('x'), opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(H2ProtocolError);
    expect(error).toMatchObject({ errorCode: ErrorCode.PROTOCOL_ERROR });
    expect(connection.usable).toBe(false);
  });

  it('fails a header block interrupted by another frame', async () => {
    const origin = await rawServer(({ socket }) => {
      // ":status: 200" (static index 8), without END_HEADERS, then a PING instead of CONTINUATION.
      socket.write(frame(FrameType.HEADERS, 0, 1, Buffer.from([0x88])));
      socket.write(frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
    });
    const connection = connect(origin);
    await expect(connection.request('/x', {}, Buffer.from('x'), opts)).rejects.toMatchObject({
      errorCode: ErrorCode.PROTOCOL_ERROR,
    });
    expect(connection.usable).toBe(false);
  });

  it('fails only the stream on DATA before its response headers; the connection goes on', async () => {
    const origin = await rawServer(({ socket, frames }) => {
      socket.write(frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('early')));
      // Answer the next stream properly, once it comes.
      const timer = setInterval(() => {
        if (!frames.some((f) => f.type === FrameType.HEADERS && f.streamId === 3)) return;
        clearInterval(timer);
        socket.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, Buffer.from([0x88])));
      }, 5);
      cleanups.push(() => clearInterval(timer));
    });
    const connection = connect(origin);
    await expect(connection.request('/x', {}, Buffer.from('x'), opts)).rejects.toMatchObject({
      code: 'ERR_HTTP2_STREAM_ERROR',
    });
    expect(connection.usable).toBe(true);
    expect((await connection.request('/y', {}, Buffer.from('y'), opts)).status).toBe(200);
  });

  it('strips padding and priority fields from HEADERS and DATA, and counts padding in flow control', async () => {
    const origin = await rawServer(({ socket }) => {
      // HEADERS, PADDED | PRIORITY: pad length 3, 5 octets of priority, ":status: 400" (static index 12), padding.
      const headers = Buffer.from([3, 0, 0, 0, 0, 16, 0x8c, 0, 0, 0]);
      socket.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY, 1, headers));
      // DATA, PADDED: pad length 4, "bad", padding.
      const data = Buffer.concat([Buffer.from([4]), Buffer.from('bad'), Buffer.alloc(4)]);
      socket.write(frame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, data));
    });
    const connection = connect(origin);
    const response = await connection.request('/x', {}, Buffer.from('x'), opts);
    expect(response).toEqual({ status: 400, headers: {}, text: 'bad' });
  });

  it('answers a PING with an ACK carrying the same octets', async () => {
    const acked = signal<Frame>();
    const origin = await rawServer(({ socket, frames }) => {
      socket.write(frame(FrameType.PING, 0, 0, Buffer.from('pingpong')));
      const timer = setInterval(() => {
        const ack = frames.find((f) => f.type === FrameType.PING);
        if (!ack) return;
        clearInterval(timer);
        acked.fire(ack);
        socket.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from([0x88])));
      }, 5);
      cleanups.push(() => clearInterval(timer));
    });
    const connection = connect(origin);
    expect((await connection.request('/x', {}, null, opts)).status).toBe(200);
    const ack = await acked.promise;
    expect(ack.flags & Flag.ACK).toBe(Flag.ACK);
    expect(ack.payload.toString()).toBe('pingpong');
  });

  it('times out a request to a server that completes TLS and then says nothing', async () => {
    const origin = await rawServer(() => undefined, { silent: true });
    const connection = connect(origin);
    await expect(connection.request('/x', {}, Buffer.from('x'), { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    // Without the server's SETTINGS the connection is not ready.
    expect(connection.connected).toBe(false);
  });

  it('fails to connect after connectTimeoutMs to a server that never does TLS', async () => {
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    const origin = await listen(server);
    cleanups.push(() => closeServer(server, sockets));
    const connection = new H2Connection(origin, { secureContext, connectTimeoutMs: 200 });
    cleanups.push(() => connection.destroy(new Error('test over')));
    const [ready, request] = await Promise.allSettled([connection.ready, connection.request('/x', {}, null, opts)]);
    expect(ready).toMatchObject({ status: 'rejected', reason: { code: 'UND_ERR_CONNECT_TIMEOUT' } });
    expect(request).toMatchObject({ status: 'rejected', reason: { code: 'UND_ERR_CONNECT_TIMEOUT' } });
    expect(connection.usable).toBe(false);
  });
});

describe('H2Connection against random frames (fuzz)', () => {
  // A hostile or broken push service may send anything after its SETTINGS. Whatever it sends, a request must
  // settle (an answer, or an error the retry policy can judge) and nothing may throw out of the connection.
  const status201 = Buffer.from([0x48, 0x03, 0x32, 0x30, 0x31]);
  const anyFrame = fc.oneof(
    fc.record({
      type: fc.integer({ min: 0, max: 12 }),
      flags: fc.integer({ min: 0, max: 255 }),
      streamId: fc.constantFrom(0, 1, 2, 3),
      payload: fc.uint8Array({ maxLength: 40 }),
    }),
    fc.record({
      type: fc.constant(FrameType.HEADERS),
      flags: fc.constantFrom(Flag.END_HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 0),
      streamId: fc.constant(1),
      payload: fc.constant(new Uint8Array(status201)),
    }),
    fc.record({
      type: fc.constantFrom(FrameType.WINDOW_UPDATE, FrameType.RST_STREAM),
      flags: fc.constant(0),
      streamId: fc.constantFrom(0, 1),
      payload: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    }),
  );

  it('settles every request and throws nothing, whatever frames follow the SETTINGS', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyFrame, { maxLength: 12 }), async (frames) => {
        const origin = await rawServer(({ socket }) => {
          socket.write(Buffer.concat(frames.map((f) => frame(f.type, f.flags, f.streamId, f.payload))));
        });
        const connection = connect(origin);
        const outcome = await connection.request('/fuzz', { ttl: '60' }, Buffer.from('x'), { timeoutMs: 500 }).then(
          (response) => ({ status: response.status }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(Error);
          return;
        }
        expect(Number.isInteger(outcome.status) && outcome.status >= 200 && outcome.status <= 999).toBe(true);
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe('H2Connection to a server without h2', () => {
  async function tlsServer(ALPNProtocols: string[] | undefined): Promise<string> {
    const sockets = new Set<tls.TLSSocket>();
    const server = tls.createServer({ cert, key, ...(ALPNProtocols ? { ALPNProtocols } : {}) }, (socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    server.on('tlsClientError', () => undefined);
    const origin = await listen(server);
    cleanups.push(() => closeServer(server, sockets));
    return origin;
  }

  async function connectAndRequest(origin: string) {
    const connection = connect(origin);
    const [ready, request] = await Promise.allSettled([
      connection.ready,
      connection.request('/x', {}, Buffer.from('x'), opts),
    ]);
    return { connection, ready, request };
  }

  it('rejects `ready` and its requests when the server offers only http/1.1 in ALPN', async () => {
    // OpenSSL ends the handshake with a no_application_protocol alert.
    const { connection, ready, request } = await connectAndRequest(await tlsServer(['http/1.1']));
    expect(ready).toMatchObject({ status: 'rejected', reason: expect.any(Error) });
    expect(request).toMatchObject({ status: 'rejected', reason: expect.any(Error) });
    expect(connection.connected).toBe(false);
    expect(connection.usable).toBe(false);
  });

  it('rejects `ready` and its requests when the server completes TLS without ALPN', async () => {
    const { connection, ready, request } = await connectAndRequest(await tlsServer(undefined));
    expect(ready).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_ERROR' } });
    expect(request).toMatchObject({ status: 'rejected', reason: { code: 'ERR_HTTP2_ERROR' } });
    expect(connection.connected).toBe(false);
    expect(connection.usable).toBe(false);
  });
});
