import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import type { Agent, Dispatcher } from 'undici';
import type { H2Sessions, H2SessionsOptions } from './h2-sessions.js';

/** What the sender needs back from one POST. */
export interface PushHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The start of the response body, for a rejected message's reason; empty on success. */
  text: string;
}

/** Options for {@link PushHttpClient}. */
export interface PushHttpClientOptions {
  /** Connections per push-service origin; HTTP/2 origins multiplex on these. 32 by default. */
  connectionsPerOrigin?: number;
  /** Streams per HTTP/2 connection. 100 by default (what most push services advertise). */
  streamsPerConnection?: number;
  /** Idle keep-alive time of a connection, 30 s by default. */
  keepAliveMs?: number;
  /** Give up connecting after this long, 10 s by default. */
  connectTimeoutMs?: number;
  /** Offer HTTP/2 in TLS ALPN; true by default. */
  allowH2?: boolean;
  /** Extra trusted CA certificates (PEM), e.g. a test push service's self-signed certificate. */
  ca?: string | string[];
}

const REASON_BYTES = 2048;

function extraCertificates(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return [];
  }
}

/**
 * Keep-alive connection pools per push-service origin: node:http2 sessions where the service picks h2 in ALPN,
 * undici's HTTP/1.1 pools otherwise.
 * Share one client across all sends: a pool per origin is what turns 20,000 messages into a handful of TLS
 * handshakes. TLS trusts Node's default CAs plus NODE_EXTRA_CA_CERTS.
 *
 * @example
 * const client = new PushHttpClient();
 * await fanOut(subs, payload, { vapid, client });
 * await client.close();
 */
export class PushHttpClient {
  // undici is loaded on the first request that needs HTTP/1.1: it is the largest module here, and a process
  // (or each of a fan-out's worker threads) sending only to HTTP/2 push services never pays for compiling it.
  #agent: Promise<Agent> | undefined;
  // undici's own HTTP/2 costs 2.5 times the CPU per request of node:http2 and multiplexes a POST only when
  // told it may replay it. So a TLS handshake's ALPN tells us which origins speak h2, and their requests go
  // to node:http2 sessions of our own (h2-sessions.ts); the others go through undici's HTTP/1.1 pools.
  readonly #h2Origins = new Set<string>();
  readonly #knownOrigins = new Set<string>();
  // While one probe finds out an https origin's protocol, requests to it wait for that probe: otherwise a
  // burst of 100 would open 32 connections that HTTP/2 then leaves idle.
  readonly #discovering = new Map<string, Promise<void>>();
  readonly #allowH2: boolean;
  readonly #connectTimeoutMs: number;
  readonly #secureContext: SecureContext | undefined;
  readonly #options: PushHttpClientOptions;
  readonly #h2 = new Map<string, H2Sessions>();
  readonly #h2Options: H2SessionsOptions;
  // node:http2 is loaded when ALPN first picks h2, like undici for HTTP/1.1: `outpost send --subscriptions`
  // sends from worker threads only, and its main thread never pays for compiling either.
  #h2Class: typeof H2Sessions | undefined;

  constructor(options: PushHttpClientOptions = {}) {
    this.#options = options;
    this.#allowH2 = options.allowH2 ?? true;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    // Node's bundled roots (with NODE_EXTRA_CA_CERTS) plus the given ones: `ca` alone would replace them.
    // One secure context for all connections: parsing the roots costs milliseconds per handshake otherwise.
    this.#secureContext = options.ca
      ? tls.createSecureContext({ ca: [...tls.rootCertificates, ...extraCertificates(), ...[options.ca].flat()] })
      : undefined;
    this.#h2Options = {
      secureContext: this.#secureContext,
      connectTimeoutMs: this.#connectTimeoutMs,
      maxSessions: options.connectionsPerOrigin ?? 32,
      streamsPerSession: options.streamsPerConnection ?? 100,
      idleMs: options.keepAliveMs ?? 30_000,
    };
  }

  /** POSTs one push message and reads the status, headers and (for failures) the start of the body. */
  async post(
    url: URL,
    headers: Record<string, string>,
    body: Uint8Array | null,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<PushHttpResponse> {
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const key = `${url.protocol}//${url.hostname}:${port}`;
    if (this.#allowH2 && url.protocol === 'https:' && !this.#knownOrigins.has(key)) {
      let discovering = this.#discovering.get(key);
      if (!discovering) {
        discovering = this.#discover(url, key).finally(() => this.#discovering.delete(key));
        this.#discovering.set(key, discovering);
      }
      // A probe that cannot connect fails the requests waiting on it like a refused connection would: the
      // sender's retry policy applies, and the next attempt probes again. An aborted request stops waiting.
      await untilAborted(discovering, options.signal);
    }
    const H2 = this.#h2Class;
    if (H2 && this.#h2Origins.has(key)) {
      return this.#sessionsFor(url, key, H2).post(`${url.pathname}${url.search}`, headers, body, options);
    }
    return this.#viaUndici(url, headers, body, options);
  }

  async #discover(url: URL, key: string): Promise<void> {
    const { protocol, socket } = await negotiatedProtocol(url, this.#secureContext, this.#connectTimeoutMs);
    if (protocol === 'h2') {
      try {
        this.#h2Class ??= (await import('./h2-sessions.js')).H2Sessions;
      } catch (error) {
        socket?.destroy();
        throw error;
      }
      this.#h2Origins.add(key);
      // The probe's connection becomes the origin's first HTTP/2 connection: no second handshake.
      if (socket && !socket.destroyed) this.#sessionsFor(url, key, this.#h2Class).adopt(socket);
    }
    this.#knownOrigins.add(key);
  }

  #sessionsFor(url: URL, key: string, H2: typeof H2Sessions): H2Sessions {
    let sessions = this.#h2.get(key);
    if (!sessions) {
      sessions = new H2(url.origin, this.#h2Options);
      this.#h2.set(key, sessions);
    }
    return sessions;
  }

  #undici(): Promise<Agent> {
    this.#agent ??= import('undici').then(({ Agent, buildConnector }) => {
      const options = this.#options;
      const connector = buildConnector({
        allowH2: this.#allowH2,
        timeout: this.#connectTimeoutMs,
        ...(this.#secureContext ? { secureContext: this.#secureContext } : {}),
      });
      return new Agent({
        allowH2: this.#allowH2,
        connections: options.connectionsPerOrigin ?? 32,
        keepAliveTimeout: options.keepAliveMs ?? 30_000,
        connect: connector,
      });
    });
    return this.#agent;
  }

  async #viaUndici(
    url: URL,
    headers: Record<string, string>,
    body: Uint8Array | null,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<PushHttpResponse> {
    const request: Dispatcher.RequestOptions = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers,
      body: body ?? undefined,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: options.signal,
    };
    const response = await (await this.#undici()).request(request);
    const text = response.statusCode >= 300 ? await readStart(response.body) : '';
    if (!text) await response.body.dump();
    return { status: response.statusCode, headers: response.headers, text };
  }

  /** Closes every pooled connection once in-flight requests finish. */
  async close(): Promise<void> {
    const agent = this.#agent;
    await Promise.all([agent?.then((a) => a.close()), ...[...this.#h2.values()].map((s) => s.close())]);
  }
}

/**
 * The protocol an https origin picks in ALPN when offered h2 and http/1.1: one TLS handshake, verified like
 * every connection of the client. When the origin picks h2 the socket stays open, unread, for the first HTTP/2
 * connection; otherwise it is closed. Rejects like a failed connection (refused, untrusted, timeout).
 */
function negotiatedProtocol(
  url: URL,
  secureContext: SecureContext | undefined,
  timeoutMs: number,
): Promise<{ protocol: string; socket?: TLSSocket }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      // SNI carries names only, never addresses.
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(secureContext ? { secureContext } : {}),
    });
    const onTimeout = () =>
      socket.destroy(Object.assign(new Error(`connect timeout to ${url.origin}`), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    socket.setTimeout(timeoutMs, onTimeout);
    socket.once('secureConnect', () => {
      const protocol = socket.alpnProtocol || 'http/1.1';
      if (protocol !== 'h2') {
        socket.destroy();
        resolve({ protocol });
        return;
      }
      // Handed on: the connection's own timers and listeners replace the probe's. Until then an error only
      // closes it (the adopter checks), rather than going unhandled.
      socket.setTimeout(0);
      socket.removeListener('timeout', onTimeout);
      socket.removeListener('error', reject);
      socket.once('error', () => socket.destroy());
      resolve({ protocol, socket });
    });
    socket.once('error', reject);
  });
}

// The shared probe keeps running for the other requests waiting on it; only this request gives up.
function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// A failure's body is read only far enough to quote the service's reason; a huge error page is not buffered.
async function readStart(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= REASON_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, REASON_BYTES).toString('utf8');
}

let shared: PushHttpClient | undefined;

/** The process-wide client used when a send is not given one. */
export function sharedPushHttpClient(): PushHttpClient {
  shared ??= new PushHttpClient();
  return shared;
}
