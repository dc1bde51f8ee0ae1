// HTTP/2 framing (RFC 9113 section 4): the 9-octet frame header, and a reader that cuts a byte stream into
// frames. Pure: no sockets here, so the reader can be fed anything in tests.

/** Frame types the sender's client sends or reads (RFC 9113 section 6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags; END_STREAM and ACK share a bit, as in the RFC. */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** SETTINGS identifiers (RFC 9113 section 6.5.2). */
export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** Error codes (RFC 9113 section 7). */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
} as const;

/** The client connection preface (RFC 9113 section 3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_BYTES = 9;
/** The frame size every peer accepts until it says otherwise. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_WINDOW = 2 ** 31 - 1;

/** A protocol violation by the peer: the connection ends with GOAWAY carrying `errorCode`. */
export class H2ProtocolError extends Error {
  override readonly name = 'H2ProtocolError';
  readonly code = 'ERR_HTTP2_PROTOCOL';
  readonly errorCode: number;

  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

/** One frame: the payload is a view into the reader's bytes, valid until the next push. */
export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** Writes a frame header into `target` at `offset`. */
export function writeFrameHeader(
  target: Buffer,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  target.writeUIntBE(length, offset, 3);
  target[offset + 3] = type;
  target[offset + 4] = flags;
  target.writeUInt32BE(streamId & MAX_WINDOW, offset + 5);
}

/** A whole frame: header and payload in one buffer. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A SETTINGS frame with the given identifier/value pairs (none for an ACK). */
export function settingsFrame(settings: ReadonlyArray<readonly [number, number]>, ack = false): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FrameType.SETTINGS, ack ? Flag.ACK : 0, 0, payload);
}

/** A WINDOW_UPDATE frame. */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** A RST_STREAM frame. */
export function rstStreamFrame(streamId: number, errorCode: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(errorCode);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** A GOAWAY frame. */
export function goawayFrame(lastStreamId: number, errorCode: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(lastStreamId);
  payload.writeUInt32BE(errorCode, 4);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/**
 * The payload of a HEADERS or DATA frame without its padding (and, for HEADERS, without its priority fields).
 *
 * @throws {H2ProtocolError} when the padding is longer than the payload.
 */
export function unpadded(f: Frame): Buffer {
  let start = 0;
  let end = f.payload.length;
  if (f.flags & Flag.PADDED) {
    if (end < 1) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, 'a padded frame without a pad length');
    end -= f.payload[0] ?? 0;
    start = 1;
  }
  if (f.type === FrameType.HEADERS && f.flags & Flag.PRIORITY) start += 5;
  if (end < start) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, 'padding longer than the frame');
  return f.payload.subarray(start, end);
}

/**
 * Cuts a byte stream into frames. Bytes may arrive split anywhere; a frame longer than `maxFrameSize` (what
 * we advertised) is a connection error, so one peer can make us hold at most one frame of that size.
 */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);
  readonly #maxFrameSize: number;

  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.#maxFrameSize = maxFrameSize;
  }

  /**
   * Adds bytes and calls `onFrame` for every complete frame, in order.
   *
   * @throws {H2ProtocolError} FRAME_SIZE_ERROR for an oversized frame; anything `onFrame` throws.
   */
  push(chunk: Buffer, onFrame: (f: Frame) => void): void {
    let bytes = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    while (bytes.length - at >= FRAME_HEADER_BYTES) {
      const length = bytes.readUIntBE(at, 3);
      if (length > this.#maxFrameSize) {
        throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} octets is over our limit`);
      }
      if (bytes.length - at < FRAME_HEADER_BYTES + length) break;
      const type = bytes[at + 3] ?? 0;
      const flags = bytes[at + 4] ?? 0;
      const streamId = bytes.readUInt32BE(at + 5) & MAX_WINDOW;
      const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
      at += FRAME_HEADER_BYTES + length;
      onFrame({ type, flags, streamId, payload });
    }
    // Keep the rest as a copy: the caller may reuse the chunk's memory.
    bytes = bytes.subarray(at);
    this.#pending = bytes.length === 0 ? Buffer.alloc(0) : Buffer.from(bytes);
  }
}
