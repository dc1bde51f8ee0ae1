import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newSessionToken, sessionKey } from '../src/accounts/session-token.js';

describe('session tokens', () => {
  it('are 32 random bytes in base64url, keyed by their SHA-256', () => {
    const token = newSessionToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionToken()).not.toBe(token);
    expect(sessionKey(token)).toBe(createHash('sha256').update(Buffer.from(token, 'base64url')).digest('hex'));
  });

  it('give no key for anything but a well-formed token (property)', () => {
    expect(sessionKey(undefined)).toBeNull();
    expect(sessionKey('')).toBeNull();
    fc.assert(
      fc.property(fc.string(), (text) => {
        const key = sessionKey(text);
        if (key !== null) expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }),
    );
  });
});
