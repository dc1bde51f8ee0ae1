import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentRange } from '../src/caching/ranges/range.js';
import { parseContentRange } from '../src/downloads/content-range.js';
import {
  decideResume,
  ifRangeValue,
  isStrongEtag,
  lengthOf,
  type ResponseFacts,
  resumeHeaders,
  retryDelayMs,
  type StoredProgress,
  totalOf,
} from '../src/downloads/resume.js';

const facts = (over: Partial<ResponseFacts>): ResponseFacts => ({
  status: 200,
  contentRange: null,
  contentLength: null,
  etag: null,
  lastModified: null,
  date: null,
  ...over,
});

/** A size and a stored prefix strictly inside it (a file partly downloaded). */
const partial = fc
  .integer({ min: 2, max: 2 ** 48 })
  .chain((size) => fc.record({ size: fc.constant(size), stored: fc.integer({ min: 1, max: size - 1 }) }));

const strongTag = fc.stringMatching(/^[a-z0-9]{1,12}$/).map((tag) => `"${tag}"`);

describe('parseContentRange', () => {
  it('reads what contentRange writes, for every valid range', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
          .chain((size) =>
            fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: size - 1 })),
          ),
        ([size, a, b]) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          expect(parseContentRange(contentRange(size, { start, end }))).toEqual({ kind: 'range', start, end, size });
          expect(parseContentRange(contentRange(size))).toEqual({ kind: 'unsatisfied', size });
        },
      ),
    );
  });

  it('never accepts an end before its start or past the size', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), (start, end, size) => {
        const parsed = parseContentRange(`bytes ${start}-${end}/${size}`);
        if (end < start || end >= size) expect(parsed).toBeNull();
        else expect(parsed).toEqual({ kind: 'range', start, end, size });
      }),
    );
  });

  it('accepts an unknown size and refuses malformed values', () => {
    expect(parseContentRange('bytes 0-9/*')).toEqual({ kind: 'range', start: 0, end: 9, size: undefined });
    for (const bad of [
      '',
      'bytes',
      'bytes 0-9',
      'items 0-9/10',
      'bytes -1-9/10',
      'bytes 0-9/10, 20-29/30',
      'bytes */*',
    ]) {
      expect(parseContentRange(bad)).toBeNull();
    }
    expect(parseContentRange(`bytes 0-1/${'9'.repeat(20)}`)).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });

  it('never throws on any string', () => {
    fc.assert(fc.property(fc.string(), (value) => void parseContentRange(value)));
  });
});

describe('If-Range and validators', () => {
  it('uses a strong ETag, never a weak one', () => {
    expect(isStrongEtag('"abc"')).toBe(true);
    expect(isStrongEtag('W/"abc"')).toBe(false);
    expect(ifRangeValue({ etag: '"abc"' })).toBe('"abc"');
    expect(ifRangeValue({ etag: 'W/"abc"' })).toBeUndefined();
  });

  it('uses Last-Modified only when it is at least 60 s older than Date', () => {
    const lastModified = 'Wed, 01 Jan 2025 00:00:00 GMT';
    expect(ifRangeValue({ lastModified, date: 'Wed, 01 Jan 2025 00:01:00 GMT' })).toBe(lastModified);
    expect(ifRangeValue({ lastModified, date: 'Wed, 01 Jan 2025 00:00:59 GMT' })).toBeUndefined();
    expect(ifRangeValue({ lastModified })).toBeUndefined();
    expect(ifRangeValue({ etag: 'W/"x"', lastModified, date: 'garbage' })).toBeUndefined();
  });

  it('asks for exactly the missing bytes with If-Range, or for the whole file', () => {
    fc.assert(
      fc.property(partial, strongTag, ({ size, stored }, etag) => {
        expect(resumeHeaders({ stored, size, validator: { etag } })).toEqual({
          range: `bytes=${stored}-`,
          'if-range': etag,
        });
        expect(resumeHeaders({ stored: 0, size, validator: { etag } })).toEqual({});
        expect(resumeHeaders({ stored: size, size, validator: { etag } })).toEqual({});
        // Bytes that cannot be proven current are never continued.
        expect(resumeHeaders({ stored, size, validator: { etag: `W/${etag}` } })).toEqual({});
      }),
    );
  });
});

describe('decideResume', () => {
  it('appends a 206 that continues the stored bytes of the same version', () => {
    fc.assert(
      fc.property(partial, strongTag, fc.boolean(), ({ size, stored }, etag, withLength) => {
        const asked: StoredProgress = { stored, size, validator: { etag } };
        const response = facts({
          status: 206,
          contentRange: contentRange(size, { start: stored, end: size - 1 }),
          contentLength: withLength ? String(size - stored) : null,
          etag,
        });
        expect(decideResume(asked, response, true)).toEqual({
          kind: 'append',
          offset: stored,
          size,
          validator: { etag },
        });
      }),
    );
  });

  it('starts over on any 206 at another offset, of another size or version, or with a bad length', () => {
    fc.assert(
      fc.property(partial, strongTag, fc.integer({ min: 1, max: 1000 }), ({ size, stored }, etag, shift) => {
        const asked: StoredProgress = { stored, size, validator: { etag } };
        const ok = { status: 206, contentRange: contentRange(size, { start: stored, end: size - 1 }), etag };
        const wrongStart = Math.max(0, stored - shift);
        const cases: Partial<ResponseFacts>[] = [
          {
            ...ok,
            contentRange: contentRange(size, { start: wrongStart === stored ? stored - 1 : wrongStart, end: size - 1 }),
          },
          { ...ok, contentRange: `bytes ${stored}-${size - 1 + shift}/${size + shift}` },
          { ...ok, etag: `"other-${etag.slice(1)}` },
          { ...ok, contentLength: String(size - stored + shift) },
          { ...ok, contentRange: 'bytes nonsense' },
          { ...ok, contentRange: null },
          { status: 416, contentRange: contentRange(stored - 1) },
        ];
        for (const c of cases) expect(decideResume(asked, facts(c), true).kind).toBe('start-over');
      }),
    );
  });

  it('restarts from 0 on a 200 (If-Range failed: a new version), with its size and validator', () => {
    fc.assert(
      fc.property(partial, strongTag, ({ size, stored }, etag) => {
        const decision = decideResume(
          { stored, size: size + 1, validator: { etag: '"old"' } },
          facts({ status: 200, contentLength: String(size), etag }),
          true,
        );
        expect(decision).toEqual({ kind: 'restart', size, validator: { etag } });
      }),
    );
  });

  it('refuses a 206 to a request without Range, retries transient statuses, fails the rest', () => {
    const asked: StoredProgress = { stored: 0, size: undefined, validator: {} };
    expect(decideResume(asked, facts({ status: 206, contentRange: 'bytes 0-9/10' }), false)).toEqual({
      kind: 'bad-status',
      status: 206,
    });
    for (const status of [408, 429, 500, 502, 503, 599]) {
      expect(decideResume(asked, facts({ status }), false)).toEqual({ kind: 'retry', status });
    }
    for (const status of [204, 301, 400, 401, 403, 404, 410]) {
      expect(decideResume(asked, facts({ status }), false)).toEqual({ kind: 'bad-status', status });
    }
  });
});

describe('arithmetic', () => {
  it('sums sizes only when every one is known', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1e9)), (sizes) => {
        expect(totalOf(sizes)).toBe(sizes.reduce((a, b) => a + b, 0));
        expect(totalOf([...sizes, undefined])).toBeUndefined();
      }),
    );
  });

  it('reads Content-Length strictly', () => {
    expect(lengthOf('123')).toBe(123);
    for (const bad of [null, '', '-1', '1.5', '12abc', '9'.repeat(20)]) expect(lengthOf(bad)).toBeUndefined();
  });

  it('backs off by doubling, capped', () => {
    fc.assert(
      fc.property(fc.nat(100), (attempt) => {
        const delay = retryDelayMs(attempt);
        expect(delay).toBeGreaterThanOrEqual(1000);
        expect(delay).toBeLessThanOrEqual(15_000);
        expect(retryDelayMs(attempt + 1)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });
});
