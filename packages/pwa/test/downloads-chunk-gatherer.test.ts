import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatherChunks } from '../src/downloads/chunk-gatherer.web.js';

// The fallback's chunking: the same bytes out as in, in chunks of the asked size, with BYOB reads into reused
// buffers where the stream allows them, and nothing gathered lost when a read fails.

const content = (size: number) => new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);

/** Cuts `bytes` into pieces of the given sizes (cycled), the last one whatever is left. */
function cut(bytes: Uint8Array<ArrayBuffer>, sizes: number[]): Uint8Array<ArrayBuffer>[] {
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    pieces.push(bytes.slice(at, at + size));
    at += size;
  }
  return pieces;
}

/**
 * A byte stream (BYOB reads allowed) serving `pieces` one per pull, then failing with `failWith` if given.
 * `byob` counts the pulls answered into a reader's own buffer.
 */
function byteStream(pieces: Uint8Array<ArrayBuffer>[], failWith?: Error) {
  let next = 0;
  const counts = { byob: 0, pulls: 0 };
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      counts.pulls++;
      const piece = pieces[next];
      if (!piece) {
        if (failWith) controller.error(failWith);
        else {
          controller.close();
          controller.byobRequest?.respond(0);
        }
        return;
      }
      const request = controller.byobRequest;
      const view = request?.view;
      if (request && view) {
        // Writes as much as the reader's view takes; the rest of the piece waits for the next pull.
        const take = Math.min(view.byteLength, piece.byteLength);
        new Uint8Array(view.buffer, view.byteOffset, take).set(piece.subarray(0, take));
        request.respond(take);
        counts.byob++;
        if (take < piece.byteLength) pieces[next] = piece.slice(take);
        else next++;
      } else {
        controller.enqueue(piece);
        next++;
      }
    },
  });
  return { stream, counts };
}

/** A default (not byte) stream serving `pieces`, then failing with `failWith` if given. */
function pieceStream(pieces: Uint8Array<ArrayBuffer>[], failWith?: Error): ReadableStream<Uint8Array<ArrayBuffer>> {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      const piece = pieces[next++];
      if (piece) controller.enqueue(piece);
      else if (failWith) controller.error(failWith);
      else controller.close();
    },
  });
}

async function gatherAll(stream: ReadableStream<Uint8Array<ArrayBuffer>>, chunkSize: number) {
  const chunks = gatherChunks(stream, chunkSize);
  const sizes: number[] = [];
  const parts: Blob[] = [];
  const take = () => {
    const blob = chunks.take('application/octet-stream');
    sizes.push(blob.size);
    parts.push(blob);
  };
  while (await chunks.fill()) take();
  if (chunks.buffered > 0) take();
  return { sizes, bytes: new Uint8Array(await new Blob(parts).arrayBuffer()) };
}

describe('gatherChunks', () => {
  it('reads a byte stream with BYOB reads into exact chunks of the asked size', async () => {
    const bytes = content(100_000);
    const { stream, counts } = byteStream(cut(bytes, [7_000, 13_000, 1]));
    const { sizes, bytes: out } = await gatherAll(stream, 32_768);
    expect(out).toEqual(bytes);
    expect(sizes).toEqual([32_768, 32_768, 32_768, 100_000 - 3 * 32_768]);
    expect(counts.byob).toBeGreaterThan(0);
  });

  it('falls back to the stream pieces when the stream refuses BYOB reads', async () => {
    const bytes = content(50_000);
    const { sizes, bytes: out } = await gatherAll(pieceStream(cut(bytes, [10_000])), 25_000);
    expect(out).toEqual(bytes);
    expect(sizes).toEqual([30_000, 20_000]);
  });

  it('gives the same bytes whatever the piece and chunk sizes, on both kinds of stream (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12_000 }),
        fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 9_000 }),
        fc.boolean(),
        async (size, pieceSizes, chunkSize, byob) => {
          const bytes = content(size);
          const pieces = cut(bytes, pieceSizes);
          const stream = byob ? byteStream(pieces).stream : pieceStream(pieces);
          const { sizes, bytes: out } = await gatherAll(stream, chunkSize);
          expect(out).toEqual(bytes);
          // Every chunk but the last is full; with BYOB reads, exactly the asked size.
          for (const chunk of sizes.slice(0, -1)) {
            if (byob) expect(chunk).toBe(chunkSize);
            else expect(chunk).toBeGreaterThanOrEqual(chunkSize);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps what it gathered when a read fails (a cut connection), on both kinds of stream', async () => {
    for (const byob of [true, false]) {
      const bytes = content(30_000);
      const pieces = cut(bytes, [10_000]);
      const cutOff = new Error('connection reset');
      const stream = byob ? byteStream(pieces, cutOff).stream : pieceStream(pieces, cutOff);
      const chunks = gatherChunks(stream, 64_000);
      await expect(chunks.fill()).rejects.toBe(cutOff);
      expect(chunks.buffered).toBe(30_000);
      const kept = new Uint8Array(await chunks.take('x').arrayBuffer());
      expect(kept).toEqual(bytes);
      expect(chunks.buffered).toBe(0);
    }
  });

  it('refuses a body that is already being read', () => {
    const stream = pieceStream([content(10)]);
    stream.getReader();
    expect(() => gatherChunks(stream, 4)).toThrow(TypeError);
  });
});
