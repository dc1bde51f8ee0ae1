// Gathers a response body into chunks of a set size for the downloads store. Where the stream takes BYOB reads
// (fetch bodies in Chromium, Firefox and Node do), the bytes land in one reused read buffer and are copied into
// one reused chunk buffer, so a long download leaves no garbage behind: with the default reader every read brings
// a new ArrayBuffer, and a 256 MB download left 100–170 MB of them waiting for the garbage collector
// (bench/downloads, "peak ArrayBuffer backing"). The read buffer is apart from the chunk buffer because a pending
// BYOB read takes its buffer away: a read that fails (a cut connection) would otherwise take the bytes gathered
// before it with it, and those are written before the download resumes.

/** A body being gathered into chunks; see {@link gatherChunks}. */
export interface ChunkGatherer {
  /** Bytes gathered and not taken yet. */
  readonly buffered: number;
  /**
   * Reads until a chunk is full (true) or the body ends (false). Rejects as the stream's read does (a cut
   * connection, an abort); what was gathered before stays {@link ChunkGatherer.buffered}.
   */
  fill(): Promise<boolean>;
  /** The gathered bytes as a Blob of `type` (a copy, so the buffers are reused), leaving nothing gathered. */
  take(type: string): Blob;
  /** Cancels the body. */
  cancel(): Promise<void>;
}

/** Bytes asked for by one BYOB read: what one network read brings at most, so few reads come back partial. */
const READ_BYTES = 256 * 1024;

/**
 * Gathers `body` into chunks of `chunkSize` bytes (the last one shorter). With a stream that refuses BYOB reads
 * (one made in JS without `type: 'bytes'`), the chunks are the stream's own pieces, and a chunk can run past
 * `chunkSize` by less than one piece.
 *
 * @example
 * ```ts
 * const chunks = gatherChunks(response.body, 4 * 1024 * 1024);
 * while (await chunks.fill()) await store(chunks.take('audio/wav'));
 * if (chunks.buffered > 0) await store(chunks.take('audio/wav'));
 * ```
 */
export function gatherChunks(body: ReadableStream<Uint8Array<ArrayBuffer>>, chunkSize: number): ChunkGatherer {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: 'byob' });
  } catch (error) {
    // Only "not a byte stream" means the default reader will do; anything else (a locked body) is the caller's.
    if (error instanceof TypeError && !body.locked) return gatherPieces(body.getReader(), chunkSize);
    throw error;
  }
  return gatherBytes(reader, chunkSize);
}

function gatherBytes(reader: ReadableStreamBYOBReader, chunkSize: number): ChunkGatherer {
  let chunk: Uint8Array<ArrayBuffer> | undefined;
  // Undefined while a read holds it, or after a read that failed took it.
  let scratch: ArrayBuffer | undefined;
  let filled = 0;
  return {
    get buffered() {
      return filled;
    },
    async fill() {
      chunk ??= new Uint8Array(chunkSize);
      while (filled < chunkSize) {
        const room = Math.min(READ_BYTES, chunkSize - filled);
        const into = scratch && scratch.byteLength >= room ? scratch : new ArrayBuffer(Math.max(room, READ_BYTES));
        scratch = undefined;
        const { done, value } = await reader.read(new Uint8Array(into, 0, room));
        if (value) {
          chunk.set(value, filled);
          filled += value.byteLength;
          scratch = value.buffer;
        }
        if (done) return false;
      }
      return true;
    },
    take(type) {
      const blob = new Blob([chunk ? chunk.subarray(0, filled) : new Uint8Array(0)], { type });
      filled = 0;
      return blob;
    },
    cancel: () => reader.cancel(),
  };
}

function gatherPieces(reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>, chunkSize: number): ChunkGatherer {
  let pieces: Uint8Array<ArrayBuffer>[] = [];
  let gathered = 0;
  return {
    get buffered() {
      return gathered;
    },
    async fill() {
      while (gathered < chunkSize) {
        const { done, value } = await reader.read();
        if (done) return false;
        pieces.push(value);
        gathered += value.byteLength;
      }
      return true;
    },
    take(type) {
      const blob = new Blob(pieces, { type });
      pieces = [];
      gathered = 0;
      return blob;
    },
    cancel: () => reader.cancel(),
  };
}
