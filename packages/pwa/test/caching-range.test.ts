import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentRange, decideRange } from '../src/caching/ranges/range.js';

describe('decideRange', () => {
  it.each([
    ['bytes=0-99', 1000, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=0-0', 1000, { kind: 'partial', start: 0, end: 0 }],
    ['bytes=999-999', 1000, { kind: 'partial', start: 999, end: 999 }],
    ['bytes=500-', 1000, { kind: 'partial', start: 500, end: 999 }],
    ['bytes=-100', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', 1000, { kind: 'partial', start: 0, end: 999 }],
    ['bytes=900-5000', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['BYTES = 1 - 2', 1000, { kind: 'partial', start: 1, end: 2 }],
    ['bytes=0-99999999999999999999999', 10, { kind: 'partial', start: 0, end: 9 }],
  ] as const)('%s of %i bytes', (header, size, expected) => {
    expect(decideRange(header, size)).toEqual(expected);
  });

  it.each([
    ['bytes=1000-', 1000],
    ['bytes=1000-1000', 1000],
    ['bytes=-0', 1000],
    ['bytes=0-', 0],
    ['bytes=99999999999999999999999-', 1000],
  ])('%s of %i bytes is unsatisfiable (416)', (header, size) => {
    expect(decideRange(header, size)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([[null], [''], ['bytes=-'], ['bytes=5-1'], ['items=0-5'], ['bytes=0-1,5-6'], ['bytes=a-b'], ['bytes=1.5-2']])(
    '%s is ignored: the full body (200)',
    (header) => {
      expect(decideRange(header, 1000)).toEqual({ kind: 'full' });
    },
  );

  it('answers a suffix range of an empty body with the empty body', () => {
    expect(decideRange('bytes=-5', 0)).toEqual({ kind: 'full' });
  });

  it('rejects an impossible size', () => {
    expect(() => decideRange('bytes=0-1', -1)).toThrow(RangeError);
  });

  it('formats Content-Range', () => {
    expect(contentRange(1000, { start: 0, end: 99 })).toBe('bytes 0-99/1000');
    expect(contentRange(1000)).toBe('bytes */1000');
  });

  it('property: a partial answer lies inside the body and a start inside the body is never refused', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(20_000), fc.option(fc.nat(20_000)), (size, first, last) => {
        const header = `bytes=${first}-${last ?? ''}`;
        const decision = decideRange(header, size);
        if (last !== null && last < first) {
          expect(decision).toEqual({ kind: 'full' });
        } else if (first >= size) {
          expect(decision).toEqual({ kind: 'unsatisfiable' });
        } else {
          const end = Math.min(last ?? size - 1, size - 1);
          expect(decision).toEqual({ kind: 'partial', start: first, end });
        }
      }),
    );
  });

  it('property: a suffix range returns the last min(n, size) bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 20_000 }), (size, n) => {
        const decision = decideRange(`bytes=-${n}`, size);
        expect(decision).toEqual({ kind: 'partial', start: size - Math.min(n, size), end: size - 1 });
      }),
    );
  });

  it('property: never throws on arbitrary header text', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(1_000_000), (header, size) => {
        const decision = decideRange(header, size);
        if (decision.kind === 'partial') {
          expect(decision.start).toBeGreaterThanOrEqual(0);
          expect(decision.end).toBeLessThan(size);
          expect(decision.start).toBeLessThanOrEqual(decision.end);
        }
      }),
    );
  });
});
