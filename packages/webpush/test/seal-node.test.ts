import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../src/base64url.js';
import { decrypt, encrypt } from '../src/encrypt.js';
import { PushCryptoError } from '../src/errors.js';
import { generateUserAgentKeys, type PushSubscriptionKeys, subscriptionKeys } from '../src/keys.js';
import { NodeWebPushSealer } from '../src/seal-node.js';
import { b64, vectors } from './vectors.js';

// The fan-out workers' synchronous aes128gcm path must make encrypt()'s bytes and throw encrypt()'s errors.

const v = vectors.rfc8291_appendix_a;
const utf8 = (text: string) => new TextEncoder().encode(text);

async function errorOf(work: () => unknown): Promise<{ code: string; message: string } | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    if (!(error instanceof PushCryptoError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('NodeWebPushSealer', () => {
  it('encrypts RFC 8291 appendix A to the exact published body', () => {
    const sealer = new NodeWebPushSealer(utf8(v.plaintext_utf8), 0);
    const body = sealer.seal({ p256dh: v.ua_public, auth: v.auth_secret }, b64(v.salt), {
      publicKey: b64(v.as_public),
      privateKey: b64(v.as_private),
    });
    expect(encodeBase64Url(body)).toBe(v.body);
    expect(body.length).toBe(v.body_length);
  });

  it('makes the same bytes as encrypt() for any payload, padding and salt', async () => {
    const sender = { publicKey: b64(v.as_public), privateKey: b64(v.as_private) };
    const keys = { p256dh: v.ua_public, auth: v.auth_secret };
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3993 }),
        fc.nat({ max: 3993 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        async (payload, wanted, salt) => {
          const padding = Math.min(wanted, 3993 - payload.length);
          const expected = await encrypt(payload, keys, { salt, senderKeys: sender, padding });
          const body = new NodeWebPushSealer(payload, padding).seal(keys, salt, sender);
          expect(Buffer.from(body).toString('hex')).toBe(Buffer.from(expected.body).toString('hex'));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('uses a fresh sender key and salt per message, each body decrypting for its subscription', async () => {
    const sealer = new NodeWebPushSealer(utf8('hello'), 3);
    const bodies = [];
    for (let i = 0; i < 300; i++) {
      const ua = await generateUserAgentKeys();
      const body = sealer.seal(subscriptionKeys(ua));
      expect(new TextDecoder().decode(await decrypt(body, ua))).toBe('hello');
      bodies.push(encodeBase64Url(body.subarray(0, 86)));
    }
    // salt || rs || idlen || keyid: the salt and the sender key differ in every message.
    expect(new Set(bodies.map((h) => h.slice(0, 22))).size).toBe(300);
    expect(new Set(bodies.map((h) => h.slice(28))).size).toBe(300);
  });

  it('accepts what encrypt() accepts: padded and standard-alphabet base64', async () => {
    const ua = await generateUserAgentKeys();
    const std = Buffer.from(ua.publicKey).toString('base64');
    const keys = { p256dh: `${encodeBase64Url(ua.publicKey)}=`, auth: Buffer.from(ua.auth).toString('base64') };
    for (const k of [keys, { p256dh: std, auth: encodeBase64Url(ua.auth) }]) {
      const body = new NodeWebPushSealer(utf8('x'), 0).seal(k);
      expect(new TextDecoder().decode(await decrypt(body, ua))).toBe('x');
    }
  });

  it('throws the error encrypt() throws for unusable keys', async () => {
    const ua = await generateUserAgentKeys();
    const good = subscriptionKeys(ua);
    const offCurve = new Uint8Array(ua.publicKey);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    const compressed = new Uint8Array(ua.publicKey);
    compressed[0] = 2;
    const bad: unknown[] = [
      null,
      'keys',
      {},
      { p256dh: good.p256dh },
      { p256dh: 42, auth: good.auth },
      { p256dh: encodeBase64Url(offCurve), auth: good.auth },
      { p256dh: encodeBase64Url(compressed), auth: good.auth },
      { p256dh: encodeBase64Url(ua.publicKey.subarray(0, 64)), auth: good.auth },
      { p256dh: `${good.p256dh.slice(0, 86)}*`, auth: good.auth },
      { p256dh: good.p256dh, auth: good.auth.slice(0, 21) },
      { p256dh: good.p256dh, auth: `${good.auth}AA` },
      { p256dh: good.p256dh, auth: `${good.auth.slice(0, 21)}!` },
      { p256dh: encodeBase64Url(offCurve), auth: 'short' },
    ];
    const sealer = new NodeWebPushSealer(utf8('x'), 0);
    for (const keys of bad) {
      const expected = await errorOf(() => encrypt('x', keys as PushSubscriptionKeys));
      expect(expected).toBeDefined();
      expect(await errorOf(() => sealer.seal(keys as PushSubscriptionKeys))).toEqual(expected);
    }
    // The sealer still works after refusing keys.
    expect(new TextDecoder().decode(await decrypt(sealer.seal(good), ua))).toBe('x');
  });
});
