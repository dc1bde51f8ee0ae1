import { readFileSync } from 'node:fs';
import tls, { type TLSSocket } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { H2Sessions, type H2SessionsOptions } from './h2-sessions.js';

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
 * Keep-alive connection pools per push-service origin (undici), HTTP/2 where the service offers it in ALPN.
 * Share one client across all sends: a pool per origin is what turns 20,000 messages into a handful of TLS
 * handshakes. TLS trusts Node's default CAs plus NODE_EXTRA_CA_CERTS.
 *
 * @example
 * const client = new PushHttpClient();
 * await fanOut(subs, payload, { vapid, client });
 * await client.close();
 */
export class PushHttpClient {
  readonly #agent: Agent;
  // undici's own HTTP/2 costs 2.5 times the CPU per request of node:http2 and multiplexes a POST only when
  // told it may replay it. So ALPN tells us which origins speak h2 (their first requests go through undici)
  // and from then on their requests go to node:http2 sessions of our own (h2-sessions.ts).
  readonly #h2Origins = new Set<string>();
  readonly #knownOrigins = new Set<string>();
  // While the first request to an https origin finds out its protocol, the others wait for it: otherwise a
  // burst of 100 would open 32 connections that HTTP/2 then leaves idle.
  readonly #discovering = new Map<string, Promise<unknown>>();
  readonly #allowH2: boolean;
  readonly #h2 = new Map<string, H2Sessions>();
  readonly #h2Options: H2SessionsOptions;

  constructor(options: PushHttpClientOptions = {}) {
    const allowH2 = options.allowH2 ?? true;
    this.#allowH2 = allowH2;
    // Node's bundled roots (with NODE_EXTRA_CA_CERTS) plus the given ones: `ca` alone would replace them.
    // One secure context for all connections: parsing the roots costs milliseconds per handshake otherwise.
    const secureContext = options.ca
      ? tls.createSecureContext({ ca: [...tls.rootCertificates, ...extraCertificates(), ...[options.ca].flat()] })
      : undefined;
    this.#h2Options = {
      secureContext,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      maxSessions: options.connectionsPerOrigin ?? 32,
      streamsPerSession: options.streamsPerConnection ?? 100,
      idleMs: options.keepAliveMs ?? 30_000,
    };
    const connector = buildConnector({
      allowH2,
      timeout: options.connectTimeoutMs ?? 10_000,
      ...(secureContext ? { secureContext } : {}),
    });
    const h2Origins = this.#h2Origins;
    const knownOrigins = this.#knownOrigins;
    this.#agent = new Agent({
      allowH2,
      connections: options.connectionsPerOrigin ?? 32,
      keepAliveTimeout: options.keepAliveMs ?? 30_000,
      connect(opts, callback) {
        connector(opts, (error, socket) => {
          if (error) return callback(error, null);
          const key = `${opts.protocol}//${opts.hostname}:${opts.port}`;
          if ((socket as TLSSocket).alpnProtocol === 'h2') h2Origins.add(key);
          knownOrigins.add(key);
          callback(null, socket);
        });
      },
    });
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
      const discovering = this.#discovering.get(key);
      if (discovering) {
        await discovering;
      } else {
        const first = this.#viaUndici(url, headers, body, options);
        const settled = first.then(
          () => undefined,
          () => undefined,
        );
        this.#discovering.set(key, settled);
        settled.then(() => this.#discovering.delete(key));
        return first;
      }
    }
    if (this.#h2Origins.has(key)) {
      let sessions = this.#h2.get(key);
      if (!sessions) {
        sessions = new H2Sessions(url.origin, this.#h2Options);
        this.#h2.set(key, sessions);
      }
      return sessions.post(`${url.pathname}${url.search}`, headers, body, options);
    }
    return this.#viaUndici(url, headers, body, options);
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
    const response = await this.#agent.request(request);
    const text = response.statusCode >= 300 ? await readStart(response.body) : '';
    if (!text) await response.body.dump();
    return { status: response.statusCode, headers: response.headers, text };
  }

  /** Closes every pooled connection once in-flight requests finish. */
  async close(): Promise<void> {
    await Promise.all([this.#agent.close(), ...[...this.#h2.values()].map((s) => s.close())]);
  }
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
