import { isIP } from 'node:net';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import {
  ErrorCode,
  Flag,
  type Frame,
  FrameReader,
  FrameType,
  frame,
  goawayFrame,
  H2ProtocolError,
  MAX_WINDOW,
  PREFACE,
  rstStreamFrame,
  Setting,
  settingsFrame,
  unpadded,
  windowUpdateFrame,
} from './h2-frames.js';
import { type HeaderField, HpackDecoder, HpackEncoder, HpackError } from './hpack.js';
import type { PushHttpResponse } from './http-client.js';

// One HTTP/2 connection of the sender, on a TLS socket: POST requests only, no server push. node:http2 spends
// more CPU on each request's setup (an AsyncResource, two deprecation wrappers, a Duplex stream, header
// validation per call) than a push message's whole HTTP exchange needs; here a request is one cached header
// block with its :path spliced in, one DATA frame, and a small record for the answer.

/** Options for {@link H2Connection}. */
export interface H2ConnectionOptions {
  secureContext?: SecureContext;
  connectTimeoutMs: number;
  /**
   * An open TLS socket to the origin that has finished its handshake and agreed to h2 in ALPN (the probe's),
   * used instead of opening one: a first request then costs no second handshake. Nothing may have read from it.
   */
  socket?: TLSSocket;
  /** Called once when the connection can take no more requests (GOAWAY, error, close). */
  onGone?: () => void;
}

/** Per-request options. */
export interface H2RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const REASON_BYTES = 2048;
// Our receive windows: large enough that a push service's answers never wait on us. A stream's body past
// half its window is not read further (its status is all the sender needs), so stream windows are never
// credited, only the connection's.
const STREAM_WINDOW = 1 << 20;
const CONNECTION_WINDOW = 1 << 24;
const DEFAULT_WINDOW = 65_535;
const MAX_HEADER_LIST = 65_536;
const OUR_SETTINGS: ReadonlyArray<readonly [number, number]> = [
  [Setting.ENABLE_PUSH, 0],
  [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
  [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST],
];

interface Stream {
  id: number;
  resolve(response: PushHttpResponse): void;
  reject(error: unknown): void;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  chunks: Buffer[];
  kept: number;
  received: number;
  sendWindow: number;
  /** Body octets not yet sent (waiting for flow-control window). */
  body: Uint8Array | undefined;
  timer: NodeJS.Timeout | undefined;
  stopListening: (() => void) | undefined;
}

const codedError = (message: string, code: string) => Object.assign(new Error(message), { code });

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

/** Response header fields as an object: repeated names become arrays, as node:http2 gives them. */
function headerObject(fields: HeaderField[]): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of fields) {
    if (name.startsWith(':')) continue;
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

/**
 * An HTTP/2 client connection (RFC 9113) over TLS with ALPN h2, for POSTs to one push-service origin:
 * flow control both ways, SETTINGS, PING, GOAWAY (streams the peer never processed fail as retryable), stream
 * resets, per-request timeouts and abort, and bounds on what the peer can make us hold (one frame of 16 KiB,
 * header lists of 64 KiB, 2 KiB of a failure's body).
 *
 * @example
 * const connection = new H2Connection('https://push.example.net', { connectTimeoutMs: 10_000 });
 * await connection.ready;
 * const { status } = await connection.request('/wpush/v2/abc', headers, body, { timeoutMs: 30_000 });
 */
export class H2Connection {
  /** Resolves when TLS is up with h2 agreed and the peer's first SETTINGS are in; rejects like a failed connect. */
  readonly ready: Promise<void>;
  /** True once `ready` has resolved. */
  connected = false;
  readonly #socket: TLSSocket;
  readonly #authority: string;
  readonly #origin: string;
  readonly #onGone: (() => void) | undefined;
  readonly #reader = new FrameReader();
  readonly #decoder = new HpackDecoder(4096, MAX_HEADER_LIST);
  readonly #encoder = new HpackEncoder();
  readonly #streams = new Map<number, Stream>();
  // Streams with body left to send, in the order they wait.
  readonly #blocked = new Set<Stream>();
  #nextStreamId = 1;
  #sendWindow = DEFAULT_WINDOW;
  #recvWindow = CONNECTION_WINDOW;
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrameSize = 16_384;
  #peerMaxStreams = Number.POSITIVE_INFINITY;
  #headerBlock: { streamId: number; endStream: boolean; parts: Buffer[]; length: number } | undefined;
  #out: Buffer[] = [];
  #flushScheduled = false;
  #goneCalled = false;
  #goingAway = false;
  #closing = false;
  #destroyed = false;
  #closed: Promise<void>;
  // Called on every SETTINGS from the peer: `ready` waits for the first, as the peer's stream limit is unknown
  // (unlimited, per the RFC) before it, and a burst sent then would be refused past that limit.
  #settingsSeen: () => void = () => undefined;

  constructor(origin: string, options: H2ConnectionOptions) {
    const url = new URL(origin);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#origin = url.origin;
    this.#authority = url.host;
    this.#onGone = options.onGone;
    const adopted = options.socket;
    this.#socket =
      adopted ??
      tls.connect({
        host,
        port: Number(url.port || 443),
        // SNI carries names only, never addresses.
        ...(isIP(host) ? {} : { servername: host }),
        ALPNProtocols: ['h2'],
        ...(options.secureContext ? { secureContext: options.secureContext } : {}),
      });
    this.#socket.setNoDelay(true);
    // The preface and our settings go out with the handshake's first flight of application data.
    this.#write(PREFACE);
    this.#write(settingsFrame(OUR_SETTINGS));
    this.#write(windowUpdateFrame(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
    const peerSettings = new Promise<void>((resolve) => {
      this.#settingsSeen = resolve;
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = codedError(`connect timeout to ${this.#origin}`, 'UND_ERR_CONNECT_TIMEOUT');
        reject(error);
        this.destroy(error);
      }, options.connectTimeoutMs);
      const onSecure = () => {
        if (this.#socket.alpnProtocol !== 'h2') {
          clearTimeout(timer);
          const error = codedError(`${this.#origin} did not agree to HTTP/2 in ALPN`, 'ERR_HTTP2_ERROR');
          this.destroy(error);
          reject(error);
          return;
        }
        peerSettings.then(() => {
          clearTimeout(timer);
          if (this.#destroyed) return;
          this.connected = true;
          resolve();
        });
      };
      // An adopted socket (the ALPN probe's) has finished its handshake already.
      if (adopted) onSecure();
      else this.#socket.once('secureConnect', onSecure);
      this.#socket.once('close', () => {
        clearTimeout(timer);
        reject(codedError(`connection to ${this.#origin} closed`, 'ECONNRESET'));
      });
      this.#socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // Rejections of `ready` are seen through the requests waiting on it.
    this.ready.catch(() => undefined);
    this.#closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.on('data', (chunk: Buffer) => {
      try {
        this.#reader.push(chunk, (f) => this.#onFrame(f));
      } catch (error) {
        this.#connectionError(error);
      }
    });
    this.#socket.on('error', (error) => this.destroy(error));
    this.#socket.on('close', () => this.destroy(codedError(`connection to ${this.#origin} closed`, 'ECONNRESET')));
  }

  /** Streams the peer allows at once (unlimited until its SETTINGS say otherwise). */
  get maxConcurrentStreams(): number {
    return this.#peerMaxStreams;
  }

  /** False once the connection takes no new requests: closing, told to go away, failed, or out of ids. */
  get usable(): boolean {
    return !this.#destroyed && !this.#goingAway && !this.#closing && this.#nextStreamId <= MAX_WINDOW;
  }

  /** Lets an idle connection not keep the process alive (or holds it again). */
  ref(hold: boolean): void {
    if (hold) this.#socket.ref();
    else this.#socket.unref();
  }

  /** Calls `onIdle` after `ms` without socket activity. */
  setIdleTimeout(ms: number, onIdle: () => void): void {
    this.#socket.setTimeout(ms, onIdle);
  }

  /**
   * POSTs on a new stream. Resolves with the status, headers and the start of a failure's body; rejects on
   * connection or stream errors (before a response), timeouts and abort, so the caller's retry policy applies.
   */
  request(
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | null,
    options: H2RequestOptions,
  ): Promise<PushHttpResponse> {
    return new Promise<PushHttpResponse>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      if (!this.usable) {
        reject(codedError(`the HTTP/2 connection to ${this.#origin} is closing`, 'ERR_HTTP2_GOAWAY_SESSION'));
        return;
      }
      let block: Buffer;
      try {
        block = this.#encoder.request(this.#authority, path, headers);
      } catch (error) {
        reject(error);
        return;
      }
      const id = this.#nextStreamId;
      this.#nextStreamId += 2;
      const stream: Stream = {
        id,
        resolve,
        reject,
        status: 0,
        headers: {},
        chunks: [],
        kept: 0,
        received: 0,
        sendWindow: this.#peerInitialWindow,
        body: body && body.length > 0 ? body : undefined,
        timer: undefined,
        stopListening: undefined,
      };
      this.#streams.set(id, stream);
      stream.timer = setTimeout(() => {
        this.#reset(
          stream,
          ErrorCode.CANCEL,
          codedError(`no answer within ${options.timeoutMs} ms`, 'UND_ERR_HEADERS_TIMEOUT'),
        );
      }, options.timeoutMs);
      if (signal) stream.stopListening = onAbort(signal, () => this.#reset(stream, ErrorCode.CANCEL, signal.reason));
      this.#writeHeaders(id, block, stream.body === undefined);
      if (stream.body) this.#sendBody(stream);
    });
  }

  /** Finishes the streams in flight, then closes; resolves when the socket has closed. */
  close(): Promise<void> {
    this.#closing = true;
    this.#gone();
    this.#endIfDone();
    return this.#closed;
  }

  /** Closes at once: every stream in flight rejects with `error`. */
  destroy(error: unknown): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const stream of [...this.#streams.values()]) this.#settle(stream, error);
    this.#socket.destroy();
    this.#gone();
  }

  #gone(): void {
    if (this.#goneCalled) return;
    this.#goneCalled = true;
    this.#onGone?.();
  }

  #endIfDone(): void {
    if ((this.#closing || this.#goingAway) && this.#streams.size === 0 && !this.#destroyed) {
      this.#write(goawayFrame(0, ErrorCode.NO_ERROR));
      this.#flush();
      this.#destroyed = true;
      this.#socket.end();
      this.#gone();
    }
  }

  #write(bytes: Buffer): void {
    this.#out.push(bytes);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Everything queued in this turn leaves in one write: one TLS record for a burst of requests.
    process.nextTick(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const out = this.#out;
    if (out.length === 0 || this.#socket.destroyed) return;
    this.#out = [];
    this.#socket.write(out.length === 1 ? (out[0] ?? Buffer.alloc(0)) : Buffer.concat(out));
  }

  #writeHeaders(id: number, block: Buffer, endStream: boolean): void {
    const max = this.#peerMaxFrameSize;
    // Nearly always one frame; a block over the peer's frame size goes on in CONTINUATION frames.
    for (let at = 0, first = true; first || at < block.length; first = false) {
      const part = block.subarray(at, at + max);
      at += part.length;
      const last = at >= block.length;
      const type = first ? FrameType.HEADERS : FrameType.CONTINUATION;
      const flags = (last ? Flag.END_HEADERS : 0) | (first && endStream ? Flag.END_STREAM : 0);
      this.#write(frame(type, flags, id, part));
    }
  }

  // Sends as much of the stream's body as the windows allow; the rest waits for WINDOW_UPDATE.
  #sendBody(stream: Stream): void {
    while (stream.body) {
      const size = Math.min(stream.body.length, this.#sendWindow, stream.sendWindow, this.#peerMaxFrameSize);
      if (size <= 0) {
        this.#blocked.add(stream);
        return;
      }
      const part = stream.body.subarray(0, size);
      const rest = stream.body.subarray(size);
      stream.body = rest.length > 0 ? rest : undefined;
      this.#sendWindow -= size;
      stream.sendWindow -= size;
      this.#write(frame(FrameType.DATA, stream.body ? 0 : Flag.END_STREAM, stream.id, part));
    }
    this.#blocked.delete(stream);
  }

  #sendBlocked(): void {
    for (const stream of [...this.#blocked]) {
      if (this.#sendWindow <= 0) return;
      this.#sendBody(stream);
    }
  }

  #onFrame(f: Frame): void {
    if (this.#headerBlock && f.type !== FrameType.CONTINUATION) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'a header block was interrupted by another frame');
    }
    switch (f.type) {
      case FrameType.DATA:
        this.#onData(f);
        return;
      case FrameType.HEADERS:
        this.#onHeaders(f);
        return;
      case FrameType.CONTINUATION:
        this.#onContinuation(f);
        return;
      case FrameType.RST_STREAM:
        this.#onReset(f);
        return;
      case FrameType.SETTINGS:
        this.#onSettings(f);
        return;
      case FrameType.PING:
        if (f.streamId !== 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
        if (f.payload.length !== 8) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'PING must carry 8 octets');
        if (!(f.flags & Flag.ACK)) this.#write(frame(FrameType.PING, Flag.ACK, 0, Buffer.from(f.payload)));
        return;
      case FrameType.GOAWAY:
        this.#onGoaway(f);
        return;
      case FrameType.WINDOW_UPDATE:
        this.#onWindowUpdate(f);
        return;
      case FrameType.PUSH_PROMISE:
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE after we disabled push');
      default:
        // PRIORITY and unknown types carry nothing for us (RFC 9113 section 5.5: ignore unknown frames).
        return;
    }
  }

  #onData(f: Frame): void {
    if (f.streamId === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    const length = f.payload.length;
    if (length > this.#recvWindow) throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA past our window');
    this.#recvWindow -= length;
    if (this.#recvWindow <= CONNECTION_WINDOW / 2) {
      this.#write(windowUpdateFrame(0, CONNECTION_WINDOW - this.#recvWindow));
      this.#recvWindow = CONNECTION_WINDOW;
    }
    const stream = this.#streams.get(f.streamId);
    if (!stream) return;
    if (stream.status === 0) {
      this.#reset(
        stream,
        ErrorCode.PROTOCOL_ERROR,
        codedError('DATA before the response headers', 'ERR_HTTP2_STREAM_ERROR'),
      );
      return;
    }
    const data = unpadded(f);
    stream.received += length;
    if (stream.status >= 300 && stream.kept < REASON_BYTES) {
      // A copy: the frame is a view into the socket's chunk, which would be kept whole otherwise.
      stream.chunks.push(Buffer.from(data.subarray(0, REASON_BYTES - stream.kept)));
      stream.kept += Math.min(data.length, REASON_BYTES - stream.kept);
    }
    if (f.flags & Flag.END_STREAM) this.#settle(stream);
    else if (stream.received > STREAM_WINDOW / 2) {
      // The status is known and the reason's start kept: the rest is not worth reading.
      this.#write(rstStreamFrame(stream.id, ErrorCode.CANCEL));
      this.#settle(stream);
    }
  }

  #onHeaders(f: Frame): void {
    if (f.streamId === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
    const fragment = unpadded(f);
    const endStream = (f.flags & Flag.END_STREAM) !== 0;
    if (f.flags & Flag.END_HEADERS) {
      this.#onHeaderBlock(f.streamId, fragment, endStream);
      return;
    }
    this.#headerBlock = { streamId: f.streamId, endStream, parts: [Buffer.from(fragment)], length: fragment.length };
  }

  #onContinuation(f: Frame): void {
    const block = this.#headerBlock;
    if (!block || block.streamId !== f.streamId) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without a header block to continue');
    }
    block.length += f.payload.length;
    // A header block is bounded like the list it decodes to: a peer cannot make us gather more.
    if (block.length > MAX_HEADER_LIST) throw new HpackError('HPACK: a header block is too large');
    block.parts.push(Buffer.from(f.payload));
    if (f.flags & Flag.END_HEADERS) {
      this.#headerBlock = undefined;
      this.#onHeaderBlock(block.streamId, Buffer.concat(block.parts), block.endStream);
    }
  }

  #onHeaderBlock(streamId: number, block: Buffer, endStream: boolean): void {
    // Every block goes through the decoder, a stream's we gave up on too: they share one dynamic table.
    const fields = this.#decoder.decode(block);
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    if (stream.status === 0) {
      const status = Number(fields.find(([name]) => name === ':status')?.[1]);
      if (!Number.isInteger(status) || status < 100 || status > 999) {
        this.#reset(
          stream,
          ErrorCode.PROTOCOL_ERROR,
          codedError('a response without a valid :status', 'ERR_HTTP2_STREAM_ERROR'),
        );
        return;
      }
      // 1xx are interim: the final response follows.
      if (status >= 200) {
        stream.status = status;
        stream.headers = headerObject(fields);
      }
    }
    if (endStream) this.#settle(stream);
  }

  #onReset(f: Frame): void {
    if (f.streamId === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (f.payload.length !== 4) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM must carry 4 octets');
    const stream = this.#streams.get(f.streamId);
    if (!stream) return;
    const code = f.payload.readUInt32BE(0);
    const reason = code === ErrorCode.REFUSED_STREAM ? 'refused' : `reset with code ${code}`;
    // A stream reset after its response headers counts as answered; before them it failed.
    this.#settle(
      stream,
      stream.status === 0 ? codedError(`stream ${reason} by the push service`, 'ERR_HTTP2_STREAM_ERROR') : undefined,
    );
  }

  #onSettings(f: Frame): void {
    if (f.streamId !== 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (f.flags & Flag.ACK) {
      if (f.payload.length !== 0)
        throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'a SETTINGS ACK with a payload');
      return;
    }
    if (f.payload.length % 6 !== 0) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS of a bad length');
    for (let at = 0; at < f.payload.length; at += 6) {
      const id = f.payload.readUInt16BE(at);
      const value = f.payload.readUInt32BE(at + 2);
      if (id === Setting.HEADER_TABLE_SIZE) this.#encoder.setPeerTableSize(value);
      else if (id === Setting.MAX_CONCURRENT_STREAMS) this.#peerMaxStreams = value;
      else if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW)
          throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'INITIAL_WINDOW_SIZE too large');
        const delta = value - this.#peerInitialWindow;
        this.#peerInitialWindow = value;
        for (const stream of this.#streams.values()) stream.sendWindow += delta;
      } else if (id === Setting.MAX_FRAME_SIZE) {
        if (value < 16_384 || value > 16_777_215) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, `MAX_FRAME_SIZE ${value} is out of range`);
        }
        this.#peerMaxFrameSize = value;
      }
    }
    this.#write(settingsFrame([], true));
    this.#settingsSeen();
    this.#sendBlocked();
  }

  #onGoaway(f: Frame): void {
    if (f.streamId !== 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
    if (f.payload.length < 8) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY too short');
    const lastStreamId = f.payload.readUInt32BE(0) & MAX_WINDOW;
    this.#goingAway = true;
    this.#gone();
    // Streams above the last one the peer took were never processed: safe to send again elsewhere.
    for (const stream of [...this.#streams.values()]) {
      if (stream.id > lastStreamId) {
        this.#settle(
          stream,
          codedError(`the push service went away before stream ${stream.id}`, 'ERR_HTTP2_GOAWAY_SESSION'),
        );
      }
    }
    this.#endIfDone();
  }

  #onWindowUpdate(f: Frame): void {
    if (f.payload.length !== 4)
      throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE must carry 4 octets');
    const increment = f.payload.readUInt32BE(0) & MAX_WINDOW;
    if (f.streamId === 0) {
      if (increment === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'a WINDOW_UPDATE of 0');
      this.#sendWindow += increment;
      if (this.#sendWindow > MAX_WINDOW) throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, 'window over 2^31-1');
      this.#sendBlocked();
      return;
    }
    const stream = this.#streams.get(f.streamId);
    if (!stream) return;
    if (increment === 0 || stream.sendWindow + increment > MAX_WINDOW) {
      this.#reset(
        stream,
        ErrorCode.FLOW_CONTROL_ERROR,
        codedError('a bad stream WINDOW_UPDATE', 'ERR_HTTP2_STREAM_ERROR'),
      );
      return;
    }
    stream.sendWindow += increment;
    if (stream.body) this.#sendBody(stream);
  }

  #reset(stream: Stream, code: number, error: unknown): void {
    if (!this.#streams.has(stream.id)) return;
    this.#write(rstStreamFrame(stream.id, code));
    this.#settle(stream, error);
  }

  // Ends a stream: resolves with its response, or rejects with `error` (or when no final response came).
  #settle(stream: Stream, error?: unknown): void {
    if (!this.#streams.delete(stream.id)) return;
    this.#blocked.delete(stream);
    clearTimeout(stream.timer);
    stream.stopListening?.();
    if (error !== undefined) stream.reject(error);
    else if (stream.status === 0)
      stream.reject(codedError('stream ended without a response', 'ERR_HTTP2_STREAM_ERROR'));
    else
      stream.resolve({
        status: stream.status,
        headers: stream.headers,
        text: stream.chunks.length === 0 ? '' : Buffer.concat(stream.chunks).toString('utf8'),
      });
    this.#endIfDone();
  }

  #connectionError(error: unknown): void {
    const code =
      error instanceof H2ProtocolError
        ? error.errorCode
        : error instanceof HpackError
          ? ErrorCode.COMPRESSION_ERROR
          : ErrorCode.INTERNAL_ERROR;
    this.#write(goawayFrame(0, code));
    this.#flush();
    this.destroy(error);
  }
}
