import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/base64url.js';
import { utf8 } from '../src/bytes.js';
import type { PushCryptoError } from '../src/errors.js';
import { signEs256Jwt } from '../src/jws.js';
import {
  decodeVapidKeys,
  generateVapidKeys,
  vapidAudience,
  vapidAuthorization,
  vapidHeadersLease,
} from '../src/vapid.js';
import { verifyVapid } from '../src/vapid-verify.js';
import { backends } from './backends.js';
import { defined } from './defined.js';

const NOW = Date.UTC(2026, 0, 1);
const subject = 'mailto:ops@example.com';

function token(header: string): { jwt: string; k: string } {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(header);
  if (!m) throw new Error(`not a vapid header: ${header}`);
  return { jwt: defined(m[1], 't='), k: defined(m[2], 'k=') };
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(decodeBase64Url(defined(jwt.split('.')[1], 'JWT payload'))));
}

describe.each(backends)('VAPID with %s', (_name, crypto) => {
  it('generates a 65-byte public point and a 32-byte private key', async () => {
    const keys = await generateVapidKeys(crypto);
    expect(decodeBase64Url(keys.publicKey)).toHaveLength(65);
    expect(decodeBase64Url(keys.privateKey)).toHaveLength(32);
    expect(decodeVapidKeys(keys).publicKey[0]).toBe(4);
  });

  it('signs aud = origin with port, exp = now + 12 h, sub; and verifies it', async () => {
    const keys = await generateVapidKeys(crypto);
    const endpoint = 'https://push.example.net:8443/wpush/v2/abc?x=1';
    const header = await vapidAuthorization(endpoint, { keys, subject, now: NOW, crypto });
    const { jwt, k } = token(header);
    expect(k).toBe(keys.publicKey);
    expect(claimsOf(jwt)).toEqual({ aud: 'https://push.example.net:8443', exp: NOW / 1000 + 43200, sub: subject });
    const result = await verifyVapid({
      authorization: header,
      audience: 'https://push.example.net:8443',
      now: NOW,
      crypto,
    });
    expect(result).toEqual({
      ok: true,
      publicKey: decodeBase64Url(keys.publicKey),
      claims: { aud: 'https://push.example.net:8443', exp: NOW / 1000 + 43200, sub: subject },
    });
  });

  it('reuses one JWT per audience until about an hour before it expires', async () => {
    const keys = await generateVapidKeys(crypto);
    const first = await vapidAuthorization('https://a.example/1', { keys, subject, now: NOW, crypto });
    expect(await vapidAuthorization('https://a.example/2', { keys, subject, now: NOW + 60_000, crypto })).toBe(first);
    expect(await vapidAuthorization('https://a.example/3', { keys, subject, now: NOW + 10 * 3600_000, crypto })).toBe(
      first,
    );
    const renewed = await vapidAuthorization('https://a.example/4', {
      keys,
      subject,
      now: NOW + 11.5 * 3600_000,
      crypto,
    });
    expect(renewed).not.toBe(first);
    expect(await vapidAuthorization('https://b.example/1', { keys, subject, now: NOW, crypto })).not.toBe(first);
  });

  it('signs once for a burst of calls to one audience, and not for calls whose clock the token does not suit', async () => {
    const keys = await generateVapidKeys(crypto);
    let signatures = 0;
    const counting = {
      ...crypto,
      signEs256: (key: Parameters<typeof crypto.signEs256>[0], data: Uint8Array) => {
        signatures++;
        return crypto.signEs256(key, data);
      },
    };
    const options = { keys, subject, now: NOW, crypto: counting };
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => vapidAuthorization('https://c.example/x', options)),
    );
    expect(new Set(burst).size).toBe(1);
    expect(signatures).toBe(1);
    // A call 11.5 h later joins a signature under way for NOW but cannot use it: it signs its own.
    const [early, late] = await Promise.all([
      vapidAuthorization('https://d.example/x', options),
      vapidAuthorization('https://d.example/x', { ...options, now: NOW + 11.5 * 3600_000 }),
    ]);
    expect(late).not.toBe(early);
    expect(claimsOf(token(late).jwt).exp).toBe(Math.floor(NOW / 1000) + 11.5 * 3600 + 12 * 3600);
  });

  it('leases headers for exactly the span in which the cache hands out the same token', async () => {
    const keys = await generateVapidKeys(crypto);
    const lease = await vapidHeadersLease('https://e.example', { keys, subject, now: NOW, crypto });
    expect(lease.from).toBe(NOW);
    expect(lease.until).toBe(NOW + 11 * 3600_000);
    const at = (now: number) => vapidHeadersLease('https://e.example', { keys, subject, now, crypto });
    expect((await at(lease.until - 1)).headers).toEqual(lease.headers);
    expect((await at(lease.until)).headers).not.toEqual(lease.headers);
    const short = await vapidHeadersLease('https://f.example', {
      keys,
      subject,
      now: NOW,
      crypto,
      expiresInSeconds: 10,
    });
    expect(short.until - short.from).toBe(5_000);
  });

  it('refuses bad subjects, lifetimes, endpoints and keys with typed errors', async () => {
    const keys = await generateVapidKeys(crypto);
    const codeOf = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: PushCryptoError) => e.code,
      );
    expect(await codeOf(vapidAuthorization('https://x.example', { keys, subject: 'ops@example.com' }))).toBe(
      'invalid-subject',
    );
    expect(await codeOf(vapidAuthorization('https://x.example', { keys, subject: 'http://example.com' }))).toBe(
      'invalid-subject',
    );
    expect(await codeOf(vapidAuthorization('https://x.example', { keys, subject, expiresInSeconds: 86401 }))).toBe(
      'invalid-expiration',
    );
    expect(await codeOf(vapidAuthorization('not a url', { keys, subject }))).toBe('invalid-endpoint');
    expect(
      await codeOf(vapidAuthorization('https://x.example', { keys: { ...keys, privateKey: 'AAAA' }, subject })),
    ).toBe('invalid-key');
    await expect(
      vapidAuthorization('https://x.example', { keys, subject: 'https://example.com/contact' }),
    ).resolves.toMatch(/^vapid t=/);
  });

  it('keeps the port in the audience and drops default ports', () => {
    expect(vapidAudience('http://127.0.0.1:8080/push/x')).toBe('http://127.0.0.1:8080');
    expect(vapidAudience('https://push.example.net:443/x')).toBe('https://push.example.net');
  });

  describe('verification failures', async () => {
    const keys = await generateVapidKeys(crypto);
    const pair = decodeVapidKeys(keys);
    const audience = 'https://push.example.net';
    const sign = (claims: Record<string, unknown>) => signEs256Jwt(crypto, pair, claims);
    const header = (jwt: string) => `vapid t=${jwt}, k=${keys.publicKey}`;
    const exp = NOW / 1000 + 3600;
    const reason = async (authorization: string | undefined, extra: { cryptoKey?: string; now?: number } = {}) => {
      const r = await verifyVapid({ authorization, audience, now: NOW, crypto, ...extra });
      return r.ok ? 'ok' : r.reason;
    };

    it.each([
      ['missing', undefined],
      ['malformed', 'Bearer abc'],
      ['malformed', 'vapid t=abc'],
      ['malformed', `vapid t=a.b, k=${keys.publicKey}`],
      ['bad-key', 'vapid t=a.b.c, k=AAAA'],
    ])('%s for %s', async (expected, authorization) => {
      expect(await reason(authorization)).toBe(expected);
    });

    it('detects each bad claim', async () => {
      expect(await reason(header(await sign({ aud: audience, exp, sub: subject })))).toBe('ok');
      expect(await reason(header(await sign({ aud: 'https://other.example', exp })))).toBe('bad-audience');
      expect(await reason(header(await sign({ aud: 'https://push.example.net:444', exp })))).toBe('bad-audience');
      expect(await reason(header(await sign({ aud: audience, exp: NOW / 1000 - 1 })))).toBe('expired');
      expect(await reason(header(await sign({ aud: audience, exp: NOW / 1000 + 90000 })))).toBe('exp-too-far');
      expect(await reason(header(await sign({ aud: audience, exp, sub: 'ops@example.com' })))).toBe('bad-subject');
      expect(await reason(header(await sign({ exp })))).toBe('malformed');
      expect(await reason(header(await sign({ aud: audience })))).toBe('malformed');
    });

    it('detects a wrong key, a tampered payload and a wrong alg', async () => {
      const jwt = await sign({ aud: audience, exp });
      const other = await generateVapidKeys(crypto);
      expect(await reason(`vapid t=${jwt}, k=${other.publicKey}`)).toBe('bad-signature');
      const [h, , s] = jwt.split('.');
      const forged = encodeBase64Url(utf8(JSON.stringify({ aud: audience, exp: exp + 1 })));
      expect(await reason(header(`${h}.${forged}.${s}`))).toBe('bad-signature');
      const hs = encodeBase64Url(utf8(JSON.stringify({ typ: 'JWT', alg: 'HS256' })));
      expect(await reason(header(`${hs}.${jwt.split('.')[1]}.${s}`))).toBe('bad-alg');
      const none = encodeBase64Url(utf8(JSON.stringify({ alg: 'none' })));
      expect(await reason(header(`${none}.${jwt.split('.')[1]}.`))).toBe('bad-alg');
    });

    it('accepts the legacy WebPush scheme only with a p256ecdsa key', async () => {
      const jwt = await sign({ aud: audience, exp });
      expect(await reason(`WebPush ${jwt}`, { cryptoKey: `p256ecdsa=${keys.publicKey}` })).toBe('ok');
      expect(await reason(`WebPush ${jwt}`, { cryptoKey: `dh=abc; p256ecdsa="${keys.publicKey}"` })).toBe('ok');
      expect(await reason(`WebPush ${jwt}`)).toBe('bad-key');
    });
  });
});
