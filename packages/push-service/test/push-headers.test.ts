import { encodeBase64Url } from '@outpost/webpush';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PushError } from '../src/http/push-error.js';
import {
  MAX_PAYLOAD_BYTES,
  parseEncryption,
  parseHeaderParams,
  parseTopic,
  parseTtl,
  parseUrgency,
} from '../src/http/push-headers.js';

function errorOf(fn: () => unknown): PushError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PushError) return error;
    throw error;
  }
  throw new Error('expected a PushError');
}

const aes128gcmBody = (() => {
  const b = Buffer.alloc(120);
  b.writeUInt32BE(4096, 16);
  b[20] = 65;
  return b;
})();
const dh = encodeBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : i)));
const salt = encodeBase64Url(new Uint8Array(16).fill(7));

describe('parseTtl', () => {
  it('requires TTL, accepts delta-seconds, lowers to the maximum', () => {
    expect(errorOf(() => parseTtl(undefined, 100))).toMatchObject({ status: 400, errno: 111 });
    expect(parseTtl('0', 100)).toBe(0);
    expect(parseTtl(' 42 ', 100)).toBe(42);
    expect(parseTtl('5000', 100)).toBe(100);
    for (const bad of ['', '-1', '1.5', 'abc', '1e3', '+5']) {
      expect(errorOf(() => parseTtl(bad, 100))).toMatchObject({ status: 400, errno: 112 });
    }
  });

  it('returns a TTL within [0, max] or a 400 for any string (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), (s, max) => {
        try {
          const ttl = parseTtl(s, max);
          expect(ttl).toBeGreaterThanOrEqual(0);
          expect(ttl).toBeLessThanOrEqual(max);
        } catch (error) {
          expect(error).toBeInstanceOf(PushError);
          expect((error as PushError).status).toBe(400);
        }
      }),
    );
  });
});

describe('parseUrgency and parseTopic', () => {
  it('accepts the four urgencies and defaults to normal', () => {
    expect(parseUrgency(undefined)).toBe('normal');
    for (const u of ['very-low', 'low', 'normal', 'high']) expect(parseUrgency(u)).toBe(u);
    expect(errorOf(() => parseUrgency('urgent'))).toMatchObject({ status: 400, errno: 114 });
  });

  it('accepts topics of up to 32 base64url characters only', () => {
    expect(parseTopic(undefined)).toBeUndefined();
    expect(parseTopic('a'.repeat(32))).toBe('a'.repeat(32));
    expect(errorOf(() => parseTopic('a'.repeat(33)))).toMatchObject({ status: 400, errno: 113 });
    expect(errorOf(() => parseTopic('has space'))).toMatchObject({ status: 400 });
    expect(errorOf(() => parseTopic(''))).toMatchObject({ status: 400 });
  });

  it('topic: valid iff 1..32 chars of [A-Za-z0-9_-] (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const valid = /^[A-Za-z0-9_-]{1,32}$/.test(s.trim());
        if (valid) expect(parseTopic(s)).toBe(s.trim());
        else expect(errorOf(() => parseTopic(s)).status).toBe(400);
      }),
    );
  });
});

describe('parseEncryption', () => {
  const none = { contentEncoding: undefined, encryption: undefined, cryptoKey: undefined };

  it('a push without body is valid and ignores crypto headers', () => {
    expect(parseEncryption(new Uint8Array(0), none)).toBeUndefined();
    expect(
      parseEncryption(new Uint8Array(0), {
        contentEncoding: 'aesgcm',
        encryption: 'salt=x',
        cryptoKey: 'dh=y',
      }),
    ).toBeUndefined();
  });

  it('aes128gcm: accepted alone or with a VAPID-only Crypto-Key; refused with salt/dh headers', () => {
    expect(parseEncryption(aes128gcmBody, { ...none, contentEncoding: 'aes128gcm' })).toEqual({
      encoding: 'aes128gcm',
    });
    expect(
      parseEncryption(aes128gcmBody, { ...none, contentEncoding: 'aes128gcm', cryptoKey: `p256ecdsa=${dh}` }),
    ).toEqual({ encoding: 'aes128gcm' });
    expect(
      errorOf(() =>
        parseEncryption(aes128gcmBody, { ...none, contentEncoding: 'aes128gcm', encryption: `salt=${salt}` }),
      ),
    ).toMatchObject({ status: 400, errno: 110 });
    expect(
      errorOf(() => parseEncryption(aes128gcmBody, { ...none, contentEncoding: 'aes128gcm', cryptoKey: `dh=${dh}` })),
    ).toMatchObject({ status: 400, errno: 110 });
    expect(errorOf(() => parseEncryption(new Uint8Array(30), { ...none, contentEncoding: 'aes128gcm' }))).toMatchObject(
      {
        status: 400,
      },
    );
  });

  it('aesgcm: needs Encryption salt and Crypto-Key dh, forwards them', () => {
    const input = { contentEncoding: 'aesgcm', encryption: `salt=${salt}`, cryptoKey: `dh=${dh};p256ecdsa=${dh}` };
    expect(parseEncryption(new Uint8Array(40), input)).toEqual({
      encoding: 'aesgcm',
      encryption: input.encryption,
      crypto_key: input.cryptoKey,
    });
    expect(errorOf(() => parseEncryption(new Uint8Array(40), { ...input, encryption: undefined }))).toMatchObject({
      status: 400,
      errno: 101,
    });
    expect(
      errorOf(() => parseEncryption(new Uint8Array(40), { ...input, cryptoKey: `p256ecdsa=${dh}` })),
    ).toMatchObject({ status: 400, errno: 101 });
    expect(errorOf(() => parseEncryption(new Uint8Array(40), { ...input, encryption: 'salt=short' }))).toMatchObject({
      status: 400,
      errno: 110,
    });
  });

  it('a body needs a known Content-Encoding; over 4096 bytes is 413', () => {
    expect(errorOf(() => parseEncryption(aes128gcmBody, none))).toMatchObject({ status: 400, errno: 101 });
    expect(errorOf(() => parseEncryption(aes128gcmBody, { ...none, contentEncoding: 'gzip' }))).toMatchObject({
      status: 415,
    });
    const big = Buffer.concat([aes128gcmBody, Buffer.alloc(MAX_PAYLOAD_BYTES)]);
    expect(errorOf(() => parseEncryption(big, { ...none, contentEncoding: 'aes128gcm' }))).toMatchObject({
      status: 413,
      errno: 104,
    });
  });

  it('never throws anything but a PushError (property)', () => {
    const header = fc.option(fc.string({ maxLength: 120 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.option(fc.constantFrom('aes128gcm', 'aesgcm', 'AESGCM', 'gzip', ''), { nil: undefined }),
        header,
        header,
        (body, contentEncoding, encryption, cryptoKey) => {
          try {
            parseEncryption(body, { contentEncoding, encryption, cryptoKey });
          } catch (error) {
            expect(error).toBeInstanceOf(PushError);
            expect([400, 413, 415]).toContain((error as PushError).status);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('parseHeaderParams', () => {
  it('reads ; and , separated parameters, unquoting values, keeping base64 padding', () => {
    const p = parseHeaderParams('dh="abc=="; p256ecdsa=def, keyid=p256dh');
    expect(p.get('dh')).toBe('abc==');
    expect(p.get('p256ecdsa')).toBe('def');
    expect(p.get('keyid')).toBe('p256dh');
  });
});
