import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applicationServerKeyHash, EndpointKeyring } from '../src/endpoint-token.js';
import { newUaid } from '../src/protocol/ids.js';

const ring = EndpointKeyring.fromSecrets(['first secret, long enough']);

describe('EndpointKeyring', () => {
  it('round-trips unrestricted and restricted claims', () => {
    const uaid = newUaid();
    const channelID = randomUUID();
    expect(ring.open(ring.seal({ uaid, channelID }))).toEqual({ ok: true, claims: { uaid, channelID } });
    const keyHash = applicationServerKeyHash(new Uint8Array(65).fill(4));
    expect(ring.open(ring.seal({ uaid, channelID, keyHash }))).toEqual({
      ok: true,
      claims: { uaid, channelID, keyHash },
    });
  });

  it('is opaque: two tokens for the same claims differ and contain no id', () => {
    const uaid = newUaid();
    const channelID = randomUUID();
    const a = ring.seal({ uaid, channelID });
    expect(a).not.toBe(ring.seal({ uaid, channelID }));
    expect(Buffer.from(a, 'base64url').toString('hex')).not.toContain(uaid);
  });

  it('refuses every single-bit change (property)', () => {
    const token = Buffer.from(ring.seal({ uaid: newUaid(), channelID: randomUUID() }), 'base64url');
    fc.assert(
      fc.property(fc.nat(token.length * 8 - 1), (bit) => {
        const t = Buffer.from(token);
        t[bit >> 3] = t.readUInt8(bit >> 3) ^ (1 << (bit & 7));
        const r = ring.open(t.toString('base64url'));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses arbitrary strings with a typed reason, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = ring.open(s);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(['malformed', 'unknown-key', 'tampered']).toContain(r.error);
      }),
      { numRuns: 2000 },
    );
  });

  it('rotates: a ring with a new first secret opens tokens of the old one; without it, refuses them', () => {
    const old = EndpointKeyring.fromSecrets(['old secret, long enough']);
    const token = old.seal({ uaid: newUaid(), channelID: randomUUID() });
    const rotated = EndpointKeyring.fromSecrets(['new secret, long enough', 'old secret, long enough']);
    expect(rotated.open(token).ok).toBe(true);
    const retired = EndpointKeyring.fromSecrets(['new secret, long enough']);
    expect(retired.open(token).ok).toBe(false);
    // New tokens are sealed with the new secret.
    expect(retired.open(rotated.seal({ uaid: newUaid(), channelID: randomUUID() })).ok).toBe(true);
  });

  it('refuses short secrets', () => {
    expect(() => EndpointKeyring.fromSecrets(['short'])).toThrow(/16 bytes/);
    expect(() => EndpointKeyring.fromSecrets([])).toThrow(/at least one/);
  });
});
