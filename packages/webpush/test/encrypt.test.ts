import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../src/base64url.js';
import { decrypt, encrypt, MAX_PAYLOAD_BYTES } from '../src/encrypt.js';
import { PushCryptoError } from '../src/errors.js';
import { generateUserAgentKeys, subscriptionKeys, type UserAgentKeys } from '../src/keys.js';
import { backends } from './backends.js';
import { defined } from './defined.js';
import { b64, vectors } from './vectors.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PushCryptoError) return error.code;
    throw error;
  }
  return undefined;
}

describe.each(backends)('encrypt/decrypt with %s', (_name, crypto) => {
  let ua: UserAgentKeys;
  beforeAll(async () => {
    ua = await generateUserAgentKeys(crypto);
  });

  it('generates user agent keys of the right shape', () => {
    expect(ua.publicKey.length).toBe(65);
    expect(ua.publicKey[0]).toBe(4);
    expect(ua.privateKey.length).toBe(32);
    expect(ua.auth.length).toBe(16);
  });

  it.each(['aes128gcm', 'aesgcm'] as const)('round-trips text and binary payloads in %s', async (encoding) => {
    for (const payload of ['', 'hello', new Uint8Array([0, 0, 2, 1, 0])]) {
      const { body, headers } = await encrypt(payload, subscriptionKeys(ua), { encoding, crypto });
      expect(headers['Content-Encoding']).toBe(encoding);
      const plain = await decrypt(body, ua, { headers, crypto });
      expect(plain).toEqual(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload);
    }
  });

  it('uses a fresh sender key and salt for each message', async () => {
    const a = await encrypt('same', subscriptionKeys(ua), { crypto });
    const b = await encrypt('same', subscriptionKeys(ua), { crypto });
    expect(a.body.subarray(0, 16)).not.toEqual(b.body.subarray(0, 16));
    expect(a.body.subarray(21, 86)).not.toEqual(b.body.subarray(21, 86));
  });

  it('accepts keys as padded base64url and standard base64', async () => {
    const keys = {
      p256dh: Buffer.from(ua.publicKey).toString('base64'),
      auth: `${encodeBase64Url(ua.auth)}==`,
    };
    const { body } = await encrypt('x', keys, { crypto });
    expect(new TextDecoder().decode(await decrypt(body, ua, { crypto }))).toBe('x');
  });

  it('names the limit when the payload is too large', async () => {
    const keys = subscriptionKeys(ua);
    await expect(encrypt(new Uint8Array(3993), keys, { crypto })).resolves.toBeDefined();
    await expect(encrypt(new Uint8Array(3994), keys, { crypto })).rejects.toThrow(/limit is 3993 bytes/);
    expect(await codeOf(encrypt(new Uint8Array(3990), keys, { padding: 4, crypto }))).toBe('payload-too-large');
    expect(await codeOf(encrypt(new Uint8Array(4079), keys, { encoding: 'aesgcm', crypto }))).toBe('payload-too-large');
    const { body } = await encrypt(new Uint8Array(3993), keys, { crypto });
    expect(body.length).toBe(4096);
    const legacy = await encrypt(new Uint8Array(MAX_PAYLOAD_BYTES.aesgcm), keys, { encoding: 'aesgcm', crypto });
    expect(legacy.body.length).toBe(4096);
  });

  it('rejects bad subscription keys with typed errors', async () => {
    const good = subscriptionKeys(ua);
    const offCurve = new Uint8Array(ua.publicKey);
    offCurve[64] = defined(offCurve[64], 'last byte of the public key') ^ 1;
    expect(await codeOf(encrypt('x', { ...good, p256dh: encodeBase64Url(offCurve) }, { crypto }))).toBe(
      'invalid-p256dh',
    );
    expect(await codeOf(encrypt('x', { ...good, p256dh: encodeBase64Url(ua.publicKey.subarray(0, 33)) }))).toBe(
      'invalid-p256dh',
    );
    expect(await codeOf(encrypt('x', { ...good, auth: encodeBase64Url(new Uint8Array(12)) }, { crypto }))).toBe(
      'invalid-auth',
    );
    expect(await codeOf(encrypt('x', { ...good, auth: 'not base64!' }, { crypto }))).toBe('invalid-base64');
    expect(await codeOf(encrypt('x', { ...good, p256dh: '***' }, { crypto }))).toBe('invalid-base64');
  });

  it('hides the payload length with padding', async () => {
    const a = await encrypt('a', subscriptionKeys(ua), { padding: 100, crypto });
    const b = await encrypt('a much longer message', subscriptionKeys(ua), { padding: 80, crypto });
    expect(a.body.length).toBe(b.body.length);
    expect(new TextDecoder().decode(await decrypt(a.body, ua, { crypto }))).toBe('a');
  });

  it('fails to decrypt with another user agent’s keys, a flipped bit or a truncated body', async () => {
    const { body } = await encrypt('secret', subscriptionKeys(ua), { crypto });
    const other = await generateUserAgentKeys(crypto);
    expect(await codeOf(decrypt(body, other, { crypto }))).toBe('decrypt-failed');
    const flipped = body.slice();
    flipped[body.length - 1] = defined(flipped[body.length - 1], 'last byte of the body') ^ 1;
    expect(await codeOf(decrypt(flipped, ua, { crypto }))).toBe('decrypt-failed');
    expect(await codeOf(decrypt(body.subarray(0, 86), ua, { crypto }))).toBe('decrypt-failed');
    expect(await codeOf(decrypt(body.subarray(0, 10), ua, { crypto }))).toBe('decrypt-failed');
  });

  it('detects a body cut at a record boundary', async () => {
    const { body } = await encrypt('0123456789abcdef', subscriptionKeys(ua), { recordSize: 20, crypto });
    // 86-byte header, then records of 20 bytes: dropping the last record must not go unnoticed.
    expect(await codeOf(decrypt(body.subarray(0, body.length - ((body.length - 86) % 20 || 20)), ua, { crypto }))).toBe(
      'decrypt-failed',
    );
  });

  it('reports missing or malformed aesgcm headers as invalid-header', async () => {
    const { body, headers } = await encrypt('x', subscriptionKeys(ua), { encoding: 'aesgcm', crypto });
    expect(await codeOf(decrypt(body, ua, { encoding: 'aesgcm', crypto }))).toBe('invalid-header');
    expect(await codeOf(decrypt(body, ua, { headers: { ...headers, Encryption: 'salt=AAAA' }, crypto }))).toBe(
      'invalid-header',
    );
    expect(await codeOf(decrypt(body, ua, { headers: { ...headers, 'Crypto-Key': 'p256ecdsa=x' }, crypto }))).toBe(
      'invalid-header',
    );
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(new TextDecoder().decode(await decrypt(body, ua, { headers: lower, crypto }))).toBe('x');
  });

  it('round-trips any payload of 0..3993 bytes at any record size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3993 }),
        fc.integer({ min: 18, max: 5000 }),
        fc.integer({ min: 0, max: 64 }),
        async (payload, recordSize, padding) => {
          fc.pre(payload.length + padding <= 3993);
          const { body } = await encrypt(payload, subscriptionKeys(ua), { recordSize, padding, crypto });
          expect(await decrypt(body, ua, { crypto })).toEqual(payload);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('round-trips aesgcm for any payload and record size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4078 }),
        fc.integer({ min: 3, max: 5000 }),
        async (payload, recordSize) => {
          const { body, headers } = await encrypt(payload, subscriptionKeys(ua), {
            encoding: 'aesgcm',
            recordSize,
            crypto,
          });
          expect(await decrypt(body, ua, { headers, crypto })).toEqual(payload);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('node:crypto and WebCrypto agree', () => {
  const [[, node], [, web]] = backends as [[string, (typeof backends)[0][1]], [string, (typeof backends)[0][1]]];
  const v = vectors.rfc8291_appendix_a;

  it('one encrypts, the other decrypts, both ways and both codings', async () => {
    for (const [from, to] of [
      [node, web],
      [web, node],
    ] as const) {
      const ua = await generateUserAgentKeys(to);
      for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
        const { body, headers } = await encrypt('across', subscriptionKeys(ua), { encoding, crypto: from });
        expect(new TextDecoder().decode(await decrypt(body, ua, { headers, crypto: to }))).toBe('across');
      }
    }
  });

  it('produce identical bodies from identical inputs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        async (p, salt) => {
          const options = { salt, senderKeys: { publicKey: b64(v.as_public), privateKey: b64(v.as_private) } };
          const keys = { p256dh: v.ua_public, auth: v.auth_secret };
          const a = await encrypt(p, keys, { ...options, crypto: node });
          const b = await encrypt(p, keys, { ...options, crypto: web });
          expect(a).toEqual(b);
        },
      ),
      { numRuns: 30 },
    );
  });
});
