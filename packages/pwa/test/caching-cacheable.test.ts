import { describe, expect, it } from 'vitest';
import { hasResponseChanged, isCacheable } from '../src/caching/strategies/cacheable.js';

const res = (status: number, headers: Record<string, string> = {}, type = 'basic') => ({
  status,
  type,
  headers: new Headers(headers),
});

describe('isCacheable', () => {
  it('stores 200 by default and nothing else', () => {
    expect(isCacheable(res(200))).toBe(true);
    for (const status of [201, 204, 301, 404, 500]) expect(isCacheable(res(status))).toBe(false);
  });

  it('never stores a partial response or Vary: *, whatever the rules', () => {
    expect(isCacheable(res(206), { statuses: [200, 206] })).toBe(false);
    expect(isCacheable(res(200, { vary: '*' }))).toBe(false);
    expect(isCacheable(res(200, { vary: 'accept' }))).toBe(true);
  });

  it('stores opaque responses only when status 0 is opted in', () => {
    expect(isCacheable(res(0, {}, 'opaque'))).toBe(false);
    expect(isCacheable(res(0, {}, 'opaque'), { statuses: [0, 200] })).toBe(true);
  });

  it('requires every listed header value', () => {
    const rules = { statuses: [200, 404], headers: { 'x-cacheable': 'yes' } };
    expect(isCacheable(res(404, { 'X-Cacheable': 'yes' }), rules)).toBe(true);
    expect(isCacheable(res(200, { 'x-cacheable': 'no' }), rules)).toBe(false);
    expect(isCacheable(res(200), rules)).toBe(false);
  });
});

describe('hasResponseChanged', () => {
  it('compares ETag, Last-Modified and Content-Length present on both', () => {
    expect(hasResponseChanged(res(200, { etag: '"a"' }), res(200, { etag: '"b"' }))).toBe(true);
    expect(hasResponseChanged(res(200, { etag: '"a"' }), res(200, { etag: '"a"' }))).toBe(false);
    expect(hasResponseChanged(res(200, { 'content-length': '3' }), res(200, { 'content-length': '4' }))).toBe(true);
    expect(
      hasResponseChanged(
        res(200, { etag: '"a"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }),
        res(200, { etag: '"a"', 'last-modified': 'Tue, 02 Jan 2024 00:00:00 GMT' }),
      ),
    ).toBe(true);
  });

  it('says "unchanged" when the responses share no version header', () => {
    expect(hasResponseChanged(res(200, { etag: '"a"' }), res(200, { 'last-modified': 'x' }))).toBe(false);
    expect(hasResponseChanged(res(200), res(200))).toBe(false);
  });

  it('honours a custom header list', () => {
    expect(hasResponseChanged(res(200, { 'x-v': '1' }), res(200, { 'x-v': '2' }), ['x-v'])).toBe(true);
  });
});
