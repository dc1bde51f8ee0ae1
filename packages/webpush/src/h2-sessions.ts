import type { SecureContext, TLSSocket } from 'node:tls';
import { H2Connection } from './h2-connection.js';
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
  connection: H2Connection;
  active: number;
}

/**
 * HTTP/2 sessions to one push-service origin, on our own HTTP/2 client (h2-connection.ts): once ALPN has
 * shown an origin speaks h2, its requests come here. Streams are spread over up to `maxSessions` sessions,
 * each filled up to the peer's limit; beyond that, requests wait in order for a stream.
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
    return Math.min(s.connection.maxConcurrentStreams, this.#options.streamsPerSession);
  }

  /**
   * Takes an open TLS socket to the origin that agreed to h2 in ALPN (the client's protocol probe) as a session,
   * so the first requests need no handshake of their own.
   */
  adopt(socket: TLSSocket): void {
    if (this.#closed || this.#sessions.size >= this.#options.maxSessions) {
      socket.destroy();
      return;
    }
    // Idle until a request takes a stream: it must not keep the process alive meanwhile.
    this.#open(socket).connection.ref(false);
    this.#wakeOne();
  }

  #open(socket?: TLSSocket): Session {
    const entry: Session = {
      connection: new H2Connection(this.#origin, {
        ...(this.#options.secureContext ? { secureContext: this.#options.secureContext } : {}),
        ...(socket ? { socket } : {}),
        connectTimeoutMs: this.#options.connectTimeoutMs,
        // GOAWAY, an error or the end of the connection: it takes no new streams, and a waiting request may
        // now open a session in its place.
        onGone: () => {
          this.#sessions.delete(entry);
          this.#wakeOne();
        },
      }),
      active: 0,
    };
    entry.connection.setIdleTimeout(this.#options.idleMs, () => {
      if (entry.active === 0) entry.connection.close();
    });
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
      if (!s.connection.usable) continue;
      if (s.active < this.#capacity(s) && (!best || s.active < best.active)) best = s;
    }
    if (!best && this.#sessions.size < this.#options.maxSessions) best = this.#open();
    // An idle session must not keep the process alive (a script that sent one message should exit); one
    // with a stream in flight must.
    if (best && best.active++ === 0) best.connection.ref(true);
    return best;
  }

  async #acquire(signal: AbortSignal | undefined): Promise<Session> {
    for (;;) {
      const s = this.#tryAcquire();
      if (s) return s;
      await new Promise<void>((resolve, reject) => {
        if (!signal) {
          this.#waiting.push(resolve);
          return;
        }
        // An aborted request leaves the queue at once, rather than when a stream frees up.
        const onAbort = () => {
          const at = this.#waiting.indexOf(wake);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal.reason);
        };
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(wake);
      });
    }
  }

  #release(s: Session): void {
    if (--s.active === 0) s.connection.ref(false);
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
    for (;;) {
      // Without a wait when a stream is free on a connected session, as for nearly every request of a fan-out.
      const s = this.#tryAcquire() ?? (await this.#acquire(options.signal));
      try {
        if (!s.connection.connected) {
          await s.connection.ready;
          // Taken before the peer's SETTINGS told its stream limit: past that limit, wait for a stream again.
          if (s.active > this.#capacity(s)) continue;
        }
        return await s.connection.request(path, headers, body, options);
      } finally {
        this.#release(s);
      }
    }
  }

  /** Closes every session gracefully (in-flight streams finish). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
    // An idle session is unref'd; held again while it closes, so `await client.close()` settles before the
    // process may exit (an await left pending at exit is an error for a top-level await).
    await Promise.all(
      [...this.#sessions].map((s) => {
        s.connection.ref(true);
        return s.connection.close();
      }),
    );
  }
}
