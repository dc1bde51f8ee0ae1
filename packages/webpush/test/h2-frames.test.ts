import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  Flag,
  FRAME_HEADER_BYTES,
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
  writeFrameHeader,
} from '../src/h2-frames.js';
import { thrownBy } from './thrown-by.js';

const hex = (text: string): string => text.replace(/\s+/g, '');

function expectProtocolError(run: () => unknown, errorCode: number): void {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(H2ProtocolError);
  expect((error as H2ProtocolError).errorCode).toBe(errorCode);
  expect((error as H2ProtocolError).code).toBe('ERR_HTTP2_PROTOCOL');
}

interface CopiedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: string;
}

/** Feeds `chunks` to one reader and returns every frame, copied: payload views only last until the next push. */
function readAll(chunks: Buffer[], reader = new FrameReader()): CopiedFrame[] {
  const frames: CopiedFrame[] = [];
  for (const chunk of chunks) {
    reader.push(chunk, (f) => {
      frames.push({ type: f.type, flags: f.flags, streamId: f.streamId, payload: f.payload.toString('hex') });
    });
  }
  return frames;
}

function headersFrame(flags: number, payload: number[]): Frame {
  return { type: FrameType.HEADERS, flags, streamId: 1, payload: Buffer.from(payload) };
}

function dataFrame(flags: number, payload: number[]): Frame {
  return { type: FrameType.DATA, flags, streamId: 1, payload: Buffer.from(payload) };
}

describe('frame layouts', () => {
  it('has the RFC 9113 client preface', () => {
    expect(PREFACE.toString('hex')).toBe(hex('505249202a20485454502f322e300d0a0d0a534d0d0a0d0a'));
    expect(PREFACE).toHaveLength(24);
  });

  it('writeFrameHeader writes length, type, flags and stream id at an offset, clearing the reserved bit', () => {
    const target = Buffer.alloc(13, 0xee);
    writeFrameHeader(target, 2, 0x123456, FrameType.HEADERS, 0x25, 0x80000003);
    expect(target.toString('hex')).toBe(hex('eeee 123456 01 25 00000003 eeee'));
    writeFrameHeader(target, 0, 0, FrameType.DATA, 0, MAX_WINDOW);
    expect(target.subarray(0, FRAME_HEADER_BYTES).toString('hex')).toBe(hex('000000 00 00 7fffffff'));
  });

  it('frame puts the payload after a 9-octet header', () => {
    expect(frame(FrameType.HEADERS, Flag.END_STREAM | Flag.END_HEADERS, 1, Uint8Array.of(0x82)).toString('hex')).toBe(
      hex('000001 01 05 00000001 82'),
    );
    expect(frame(FrameType.DATA, 0, 0x7ffffffe, Buffer.from('hello')).toString('hex')).toBe(
      hex('000005 00 00 7ffffffe 68656c6c6f'),
    );
  });

  it('frame defaults to an empty payload', () => {
    expect(frame(FrameType.SETTINGS, Flag.ACK, 0).toString('hex')).toBe(hex('000000 04 01 00000000'));
  });

  it('frame writes a 3-octet length for a large payload', () => {
    const payload = Buffer.alloc(0x10203, 0xab);
    const out = frame(FrameType.DATA, Flag.END_STREAM, 5, payload);
    expect(out.subarray(0, FRAME_HEADER_BYTES).toString('hex')).toBe(hex('010203 00 01 00000005'));
    expect(out.subarray(FRAME_HEADER_BYTES).equals(payload)).toBe(true);
  });

  it('settingsFrame writes 6 octets per setting, and an empty ACK', () => {
    expect(
      settingsFrame([
        [Setting.HEADER_TABLE_SIZE, 0],
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, MAX_WINDOW],
        [Setting.MAX_FRAME_SIZE, 0xffffff],
      ]).toString('hex'),
    ).toBe(hex('000018 04 00 00000000  0001 00000000  0002 00000000  0004 7fffffff  0005 00ffffff'));
    expect(settingsFrame([]).toString('hex')).toBe(hex('000000 04 00 00000000'));
    expect(settingsFrame([], true).toString('hex')).toBe(hex('000000 04 01 00000000'));
    expect(settingsFrame([[Setting.MAX_CONCURRENT_STREAMS, 100]]).toString('hex')).toBe(
      hex('000006 04 00 00000000 0003 00000064'),
    );
  });

  it('windowUpdateFrame', () => {
    expect(windowUpdateFrame(3, 65_535).toString('hex')).toBe(hex('000004 08 00 00000003 0000ffff'));
    expect(windowUpdateFrame(0, MAX_WINDOW).toString('hex')).toBe(hex('000004 08 00 00000000 7fffffff'));
  });

  it('rstStreamFrame', () => {
    expect(rstStreamFrame(5, ErrorCode.CANCEL).toString('hex')).toBe(hex('000004 03 00 00000005 00000008'));
    expect(rstStreamFrame(0x1234567, ErrorCode.REFUSED_STREAM).toString('hex')).toBe(
      hex('000004 03 00 01234567 00000007'),
    );
  });

  it('goawayFrame is on stream 0 with the last stream id and error code', () => {
    expect(goawayFrame(7, ErrorCode.NO_ERROR).toString('hex')).toBe(hex('000008 07 00 00000000 00000007 00000000'));
    expect(goawayFrame(MAX_WINDOW, ErrorCode.COMPRESSION_ERROR).toString('hex')).toBe(
      hex('000008 07 00 00000000 7fffffff 00000009'),
    );
  });
});

describe('FrameReader', () => {
  const sample = Buffer.concat([
    settingsFrame([[Setting.MAX_CONCURRENT_STREAMS, 100]]),
    settingsFrame([], true),
    frame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.from('8286', 'hex')),
    frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('payload')),
    windowUpdateFrame(0, 1000),
    frame(FrameType.DATA, 0, 3),
  ]);
  const sampleFrames: CopiedFrame[] = [
    { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: '000300000064' },
    { type: FrameType.SETTINGS, flags: Flag.ACK, streamId: 0, payload: '' },
    { type: FrameType.HEADERS, flags: Flag.END_HEADERS, streamId: 1, payload: '8286' },
    { type: FrameType.DATA, flags: Flag.END_STREAM, streamId: 1, payload: Buffer.from('payload').toString('hex') },
    { type: FrameType.WINDOW_UPDATE, flags: 0, streamId: 0, payload: '000003e8' },
    { type: FrameType.DATA, flags: 0, streamId: 3, payload: '' },
  ];

  it('reads frames from one chunk', () => {
    expect(readAll([sample])).toEqual(sampleFrames);
  });

  it('reads the same frames when cut at any one byte boundary', () => {
    for (let cut = 0; cut <= sample.length; cut++) {
      expect(readAll([sample.subarray(0, cut), sample.subarray(cut)]), `cut at ${cut}`).toEqual(sampleFrames);
    }
  });

  it('reads the same frames byte by byte', () => {
    const bytes = [...sample].map((byte) => Buffer.of(byte));
    expect(readAll(bytes)).toEqual(sampleFrames);
  });

  it('calls back only once a frame is complete', () => {
    const reader = new FrameReader();
    const whole = frame(FrameType.DATA, 0, 1, Buffer.from('abc'));
    let calls = 0;
    reader.push(whole.subarray(0, whole.length - 1), () => calls++);
    expect(calls).toBe(0);
    reader.push(whole.subarray(whole.length - 1), () => calls++);
    expect(calls).toBe(1);
  });

  it('gives payload views of exactly the frame payload', () => {
    const reader = new FrameReader();
    const chunk = Buffer.concat([
      frame(FrameType.DATA, 0, 1, Buffer.from('first')),
      frame(FrameType.DATA, 0, 1, Buffer.from('second!')),
    ]);
    const seen: Array<{ text: string; length: number; offset: number }> = [];
    reader.push(chunk, (f) => {
      seen.push({ text: f.payload.toString('latin1'), length: f.payload.length, offset: f.payload.byteOffset });
      // A view into the chunk, not a copy.
      expect(f.payload.buffer).toBe(chunk.buffer);
    });
    expect(seen).toEqual([
      { text: 'first', length: 5, offset: chunk.byteOffset + 9 },
      { text: 'second!', length: 7, offset: chunk.byteOffset + 9 + 5 + 9 },
    ]);
  });

  it('keeps a partial frame even when the caller reuses the chunk memory', () => {
    const reader = new FrameReader();
    const whole = frame(FrameType.DATA, Flag.END_STREAM, 9, Buffer.from('keep me'));
    const chunk = Buffer.from(whole.subarray(0, 12));
    const frames: CopiedFrame[] = [];
    const onFrame = (f: Frame) =>
      frames.push({ type: f.type, flags: f.flags, streamId: f.streamId, payload: f.payload.toString('latin1') });
    reader.push(chunk, onFrame);
    chunk.fill(0xff);
    reader.push(Buffer.from(whole.subarray(12)), onFrame);
    expect(frames).toEqual([{ type: FrameType.DATA, flags: Flag.END_STREAM, streamId: 9, payload: 'keep me' }]);
  });

  it('ignores the reserved high bit of the stream id', () => {
    const raw = Buffer.from(hex('000001 00 00 80000005 aa'), 'hex');
    expect(readAll([raw])).toEqual([{ type: FrameType.DATA, flags: 0, streamId: 5, payload: 'aa' }]);
    const allOnes = Buffer.from(hex('000000 04 01 ffffffff'), 'hex');
    expect(readAll([allOnes])).toEqual([{ type: FrameType.SETTINGS, flags: 1, streamId: MAX_WINDOW, payload: '' }]);
  });

  it('accepts a frame of exactly the maximum size', () => {
    const payload = Buffer.alloc(DEFAULT_MAX_FRAME_SIZE, 0x5a);
    const frames = readAll([frame(FrameType.DATA, 0, 1, payload)]);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.payload).toBe(payload.toString('hex'));
  });

  it('rejects an oversized frame with FRAME_SIZE_ERROR as soon as its header arrives', () => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    writeFrameHeader(header, 0, DEFAULT_MAX_FRAME_SIZE + 1, FrameType.DATA, 0, 1);
    expectProtocolError(() => readAll([header]), ErrorCode.FRAME_SIZE_ERROR);
    // Split header: still no payload needed.
    expectProtocolError(() => readAll([header.subarray(0, 4), header.subarray(4)]), ErrorCode.FRAME_SIZE_ERROR);
    // Behind a valid frame in the same chunk.
    expectProtocolError(() => readAll([Buffer.concat([settingsFrame([]), header])]), ErrorCode.FRAME_SIZE_ERROR);
    expect(ErrorCode.FRAME_SIZE_ERROR).toBe(0x6);
  });

  it('honours a smaller maxFrameSize', () => {
    const reader = new FrameReader(100);
    expect(readAll([frame(FrameType.DATA, 0, 1, Buffer.alloc(100))], reader)).toHaveLength(1);
    expectProtocolError(
      () => readAll([frame(FrameType.DATA, 0, 1, Buffer.alloc(101))], new FrameReader(100)),
      ErrorCode.FRAME_SIZE_ERROR,
    );
  });

  it('passes on what onFrame throws', () => {
    const reader = new FrameReader();
    const boom = new Error('boom');
    expect(() =>
      reader.push(settingsFrame([]), () => {
        throw boom;
      }),
    ).toThrow(boom);
  });

  it('reads random frames cut into random chunks', () => {
    const frameArb = fc.record({
      type: fc.integer({ min: 0, max: 255 }),
      flags: fc.integer({ min: 0, max: 255 }),
      streamId: fc.integer({ min: 0, max: MAX_WINDOW }),
      payload: fc.oneof(
        { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 5 },
        { arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 3000 }), weight: 1 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (frames, cutPoints, reservedBit) => {
          const encoded = frames.map((f) => {
            const out = frame(f.type, f.flags, f.streamId, f.payload);
            if (reservedBit) out[5] = (out[5] ?? 0) | 0x80;
            return out;
          });
          const stream = Buffer.concat(encoded);
          const cuts = [...new Set(cutPoints.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let start = 0;
          for (const cut of [...cuts, stream.length]) {
            chunks.push(Buffer.from(stream.subarray(start, cut)));
            start = cut;
          }
          expect(readAll(chunks)).toEqual(
            frames.map((f) => ({
              type: f.type,
              flags: f.flags,
              streamId: f.streamId,
              payload: Buffer.from(f.payload).toString('hex'),
            })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('unpadded', () => {
  it('returns the whole payload without PADDED or PRIORITY', () => {
    expect([...unpadded(headersFrame(Flag.END_HEADERS, [1, 2, 3]))]).toEqual([1, 2, 3]);
    expect([...unpadded(dataFrame(0, []))]).toEqual([]);
  });

  it('strips the pad length octet and the padding', () => {
    expect([...unpadded(dataFrame(Flag.PADDED, [3, 0xa, 0xb, 0, 0, 0]))]).toEqual([0xa, 0xb]);
    expect([...unpadded(headersFrame(Flag.PADDED, [0, 0x82]))]).toEqual([0x82]);
    // Padding filling all but the pad length octet leaves nothing.
    expect([...unpadded(dataFrame(Flag.PADDED, [2, 0, 0]))]).toEqual([]);
    expect([...unpadded(dataFrame(Flag.PADDED, [0]))]).toEqual([]);
  });

  it('strips the priority fields of HEADERS', () => {
    expect([...unpadded(headersFrame(Flag.PRIORITY, [0x80, 0, 0, 3, 15, 0x82, 0x86]))]).toEqual([0x82, 0x86]);
    expect([...unpadded(headersFrame(Flag.PRIORITY, [0, 0, 0, 0, 0]))]).toEqual([]);
  });

  it('strips both, priority after the pad length octet', () => {
    expect([...unpadded(headersFrame(Flag.PADDED | Flag.PRIORITY, [2, 0, 0, 0, 1, 200, 0x82, 9, 9]))]).toEqual([0x82]);
  });

  it('ignores the PRIORITY flag on DATA', () => {
    expect([...unpadded(dataFrame(Flag.PRIORITY, [1, 2, 3]))]).toEqual([1, 2, 3]);
    expect([...unpadded(dataFrame(Flag.PRIORITY | Flag.PADDED, [1, 7, 0]))]).toEqual([7]);
  });

  it('returns a view, not a copy', () => {
    const f = dataFrame(Flag.PADDED, [1, 5, 0]);
    expect(unpadded(f).buffer).toBe(f.payload.buffer);
  });

  it('rejects padding as long as the payload or longer', () => {
    expectProtocolError(() => unpadded(dataFrame(Flag.PADDED, [3, 0, 0])), ErrorCode.PROTOCOL_ERROR);
    expectProtocolError(() => unpadded(dataFrame(Flag.PADDED, [255, 1, 2])), ErrorCode.PROTOCOL_ERROR);
    expectProtocolError(
      () => unpadded(headersFrame(Flag.PADDED | Flag.PRIORITY, [1, 0, 0, 0, 1, 16])),
      ErrorCode.PROTOCOL_ERROR,
    );
  });

  it('rejects HEADERS too short for its priority fields', () => {
    expect(thrownBy(() => unpadded(headersFrame(Flag.PRIORITY, [0, 0, 0, 1])))).toBeInstanceOf(H2ProtocolError);
  });

  it('rejects a PADDED frame without a pad length octet', () => {
    expectProtocolError(() => unpadded(dataFrame(Flag.PADDED, [])), ErrorCode.FRAME_SIZE_ERROR);
  });

  it('recovers any block from any padding and priority', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 50 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(FrameType.HEADERS, FrameType.DATA),
        (block, padLength, padded, priority, type) => {
          const prefix = padded ? [padLength] : [];
          const priorityFields = priority && type === FrameType.HEADERS ? [0, 0, 0, 1, 16] : [];
          const padding = padded ? new Array<number>(padLength).fill(0) : [];
          const payload = Buffer.from([...prefix, ...priorityFields, ...block, ...padding]);
          const flags = (padded ? Flag.PADDED : 0) | (priority ? Flag.PRIORITY : 0) | Flag.END_HEADERS;
          expect(unpadded({ type, flags, streamId: 1, payload }).equals(Buffer.from(block))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
