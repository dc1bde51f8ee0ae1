import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT_PARAMS,
  formatPasswordHash,
  hashPassword,
  needsRehash,
  PasswordHashFormatError,
  parsePasswordHash,
  verifyPassword,
} from '../src/accounts/password-hash.js';

const FAST = { logN: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('hashes with the default OWASP parameters, a random salt and a 32-byte key', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(parsePasswordHash(a).params).toEqual(DEFAULT_SCRYPT_PARAMS);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, not the current ones', async () => {
    const old = await hashPassword('p4ssword!', FAST);
    expect(await verifyPassword('p4ssword!', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(old, FAST)).toBe(false);
    expect(needsRehash(old, { ...FAST, p: 2 })).toBe(true);
  });

  it('compares passwords as NFC', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    expect(await verifyPassword(decomposed, await hashPassword(composed, FAST))).toBe(true);
  });

  it('rejects parameters outside the supported range', async () => {
    await expect(hashPassword('x', { logN: 9, r: 8, p: 1 })).rejects.toThrow(PasswordHashFormatError);
    await expect(hashPassword('x', { logN: 15, r: 0, p: 1 })).rejects.toThrow('out of range');
  });

  it.each([
    '',
    'plaintext',
    '$scrypt$ln=15,r=8$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
    '$scrypt$ln=99,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
    '$scrypt$ln=15,r=8,p=1$$a2V5a2V5a2V5a2V5a2V5a2V5',
    '$scrypt$ln=15,r=8,p=1$c2E$a2V5a2V5a2V5a2V5a2V5a2V5',
    '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$a2V5',
  ])('refuses the malformed stored hash %j', (text) => {
    expect(() => parsePasswordHash(text)).toThrow(PasswordHashFormatError);
  });

  it('parses what it formats (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          params: fc.record({
            logN: fc.integer({ min: 10, max: 22 }),
            r: fc.integer({ min: 1, max: 32 }),
            p: fc.integer({ min: 1, max: 16 }),
          }),
          salt: fc.uint8Array({ minLength: 8, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
          key: fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
        }),
        (parsed) => {
          expect(parsePasswordHash(formatPasswordHash(parsed))).toEqual(parsed);
        },
      ),
    );
  });

  it('throws only PasswordHashFormatError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^\$scrypt\$ln=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]*\$.*$/)),
        (text) => {
          try {
            parsePasswordHash(text);
          } catch (error) {
            expect(error).toBeInstanceOf(PasswordHashFormatError);
          }
        },
      ),
    );
  });
});
