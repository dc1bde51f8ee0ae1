import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/base64url.js';
import { PushCryptoError } from '../src/errors.js';

describe('base64url', () => {
  it('round-trips any bytes, unpadded and url-safe', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encodeBase64Url(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decodeBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it('accepts padded base64url and standard base64 for the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const standard = Buffer.from(bytes).toString('base64');
        const paddedUrl = standard.replaceAll('+', '-').replaceAll('/', '_');
        expect(decodeBase64Url(standard)).toEqual(bytes);
        expect(decodeBase64Url(paddedUrl)).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['a character outside both alphabets', 'ab$d'],
    ['whitespace', 'ab d'],
    ['padding in the middle', 'ab=d'],
    ['three padding characters', 'a==='],
    ['padding on an unaligned length', 'abc=='],
    ['an impossible length', 'abcde'],
    ['non-ASCII', 'abcé'],
  ])('rejects %s with invalid-base64', (_what, input) => {
    expect(() => decodeBase64Url(input)).toThrow(PushCryptoError);
    try {
      decodeBase64Url(input);
    } catch (error) {
      expect((error as PushCryptoError).code).toBe('invalid-base64');
    }
  });

  it('never throws anything but PushCryptoError on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        try {
          const bytes = decodeBase64Url(input);
          expect(bytes).toBeInstanceOf(Uint8Array);
        } catch (error) {
          expect(error).toBeInstanceOf(PushCryptoError);
        }
      }),
    );
  });
});
