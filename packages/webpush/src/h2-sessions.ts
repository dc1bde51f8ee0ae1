import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { SecureContext } from 'node:tls';
import type { PushHttpResponse } from './http-client.js';

/** Options for {@link H2Sessions}. */
export interface H2SessionsOptions {
  secureContext?: SecureContext;
  connectTimeoutMs: number;
  /** Most sessions (TCP+TLS connections) to the origin. */
  maxSessions: number;
  /** Most streams we open on one session (further capped by the peer's SETTINGS). */
  streamsPerSession: number;
  /** Close a session idle this long. */
  idleMs: number;
}

interface Session {
  session: ClientHttp2Session;
  active: number;
  ready: Promise<void>;
  /** Set once `ready` has resolved. */
  connected: boolean;
}

const REASON_BYTES = 2048;

// One 'abort' listener per signal for every stream using it: a fan-out's requests all share one signal, and
// adding and removing an EventTarget listener per request costs more than a Set entry.
const abortHandlers = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, handler: () => void): () => void {
  let handlers = abortHandlers.get(signal);
  if (!handlers) {
    const all = new Set<() => void>();
    handlers = all;
    abortHandlers.set(signal, all);
    signal.addEventListener(
      'abort',
      () => {
        for (const h of [...all]) h();
        all.clear();
      },
      { once: true },
    );
  }
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/**
 * HTTP/2 sessions to one push-service origin on node:http2 directly. undici's HTTP/2 client costs about
 * 2.5 times the CPU per request of node:http2 alone (186 vs 74 µs per POST measured here), and on a small
 * machine that CPU competes with the encryption; so once ALPN has shown an origin speaks h2, its requests
 * come here. Streams are spread over up to `maxSessions` sessions, each filled up to the peer's limit;
 * beyond that, requests wait in order for a stream.
 */
export class H2Sessions {
  readonly #origin: string;
  readonly #options: H2SessionsOptions;
  readonly #sessions = new Set<Session>();
  readonly #waiting: Array<() => void> = [];
  #closed = false;

  constructor(origin: string, options: H2SessionsOptions) {
    this.#origin = origin;
    this.#options = options;
  }

  #capacity(s: Session): number {
    const peer = s.session.remoteSettings?.maxConcurrentStreams ?? this.#options.streamsPerSession;
    return Math.min(peer, this.#options.streamsPerSession);
  }

  #open(): Session {
    const session = http2.connect(this.#origin, {
      ...(this.#options.secureContext ? { secureContext: this.#options.secureContext } : {}),
    });
    const entry: Session = {
      session,
      active: 0,
      ready: new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          session.destroy(
            Object.assign(new Error(`connect timeout to ${this.#origin}`), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
          );
        }, this.#options.connectTimeoutMs);
        session.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        session.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      }),
      connected: false,
    };
    entry.ready.then(
      () => {
        entry.connected = true;
      },
      () => undefined,
    );
    session.setTimeout(this.#options.idleMs, () => {
      if (entry.active === 0) session.close();
    });
    const forget = () => {
      this.#sessions.delete(entry);
      this.#wakeOne();
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.#sessions.add(entry);
    return entry;
  }

  #wakeOne(): void {
    this.#waiting.shift()?.();
  }

  // A session with a free stream, held; undefined when every session is full and no more may open.
  #tryAcquire(): Session | undefined {
    if (this.#closed) throw new Error('push HTTP client is closed');
    let best: Session | undefined;
    for (const s of this.#sessions) {
      if (s.session.closed || s.session.destroyed) continue;
      if (s.active < this.#capacity(s) && (!best || s.active < best.active)) best = s;
    }
    if (!best && this.#sessions.size < this.#options.maxSessions) best = this.#open();
    // An idle session must not keep the process alive (a script that sent one message should exit); one
    // with a stream in flight must.
    if (best && best.active++ === 0) best.session.ref();
    return best;
  }

  async #acquire(): Promise<Session> {
    for (;;) {
      const s = this.#tryAcquire();
      if (s) return s;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #release(s: Session): void {
    if (--s.active === 0 && !s.session.destroyed) s.session.unref();
    this.#wakeOne();
  }

  /** POSTs on one stream; rejects on connection or stream errors so the caller's retry logic applies. */
  async post(
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | null,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<PushHttpResponse> {
    options.signal?.throwIfAborted();
    // Without a wait when a stream is free on a connected session, as for nearly every request of a fan-out.
    const s = this.#tryAcquire() ?? (await this.#acquire());
    try {
      if (!s.connected) await s.ready;
      return await this.#exchange(s.session, path, headers, body, options);
    } finally {
      this.#release(s);
    }
  }

  #exchange(
    session: ClientHttp2Session,
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | null,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<PushHttpResponse> {
    return new Promise((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = session.request({ ':method': 'POST', ':path': path, ...headers });
      } catch (error) {
        reject(error);
        return;
      }
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let length = 0;
      let settled = false;
      const { signal } = options;
      const stopListening = signal ? onAbort(signal, () => stream.close(http2.constants.NGHTTP2_CANCEL)) : undefined;
      const done = (failure?: unknown) => {
        if (settled) return;
        settled = true;
        // A stream that ends or is reset after its response headers counts as answered; before them it failed.
        const error =
          failure ??
          (status === 0
            ? Object.assign(new Error('stream ended without a response'), { code: 'ERR_HTTP2_STREAM_ERROR' })
            : undefined);
        stopListening?.();
        if (error) reject(signal?.aborted ? signal.reason : error);
        else
          resolve({
            status,
            headers: responseHeaders,
            text: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8').slice(0, REASON_BYTES),
          });
      };
      stream.setTimeout(options.timeoutMs, () =>
        stream.destroy(
          Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
        ),
      );
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h as Record<string, string | string[] | undefined>;
      });
      stream.on('data', (chunk: Buffer) => {
        if (status >= 300 && length < REASON_BYTES) {
          chunks.push(chunk);
          length += chunk.length;
        }
      });
      stream.on('end', () => done());
      stream.on('error', done);
      stream.on('close', () => done());
      stream.end(body ?? undefined);
    });
  }

  /** Closes every session gracefully (in-flight streams finish). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
    // An idle session is unref'd; held again while it closes, so `await client.close()` settles before the
    // process may exit (an await left pending at exit is an error for a top-level await).
    await Promise.all(
      [...this.#sessions].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.session.ref();
            s.session.close(() => resolve());
          }),
      ),
    );
  }
}
