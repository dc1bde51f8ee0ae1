import { decideIdempotentRequest, isStoredStatus, type KeyRecord, parseIdempotencyKey } from '@outpost/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('parseIdempotencyKey', () => {
  it('reads structured strings with escapes and bare keys', () => {
    expect(parseIdempotencyKey('"abc"')).toBe('abc');
    expect(parseIdempotencyKey(' "a\\"b\\\\c" ')).toBe('a"b\\c');
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('"with space"')).toBe('with space');
  });

  it.each([
    ['', /empty/],
    ['""', /empty/],
    ['"abc', /closing quote/],
    ['"abc"x', /after its string/],
    ['"a\\nb"', /bad escape/],
    ['"é"', /printable ASCII/],
    ['two words', /quoted string/],
    ['a"b', /quoted string/],
    [`"${'x'.repeat(256)}"`, /longer than 255/],
  ])('refuses %j', (value, message) => {
    expect(() => parseIdempotencyKey(value)).toThrow(message);
  });

  it('round-trips any printable key through the structured string form, and only throws its typed error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]{1,255}$/), (key) => {
        const quoted = `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
        expect(parseIdempotencyKey(quoted)).toBe(key);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (value) => {
        try {
          parseIdempotencyKey(value);
        } catch (error) {
          expect((error as Error).name).toBe('InvalidIdempotencyKeyError');
        }
      }),
    );
  });
});

describe('decideIdempotentRequest', () => {
  const record = (overrides: Partial<KeyRecord> = {}): KeyRecord => ({
    fingerprint: 'f',
    state: 'done',
    status: 201,
    headers: { 'content-type': 'application/json' },
    body: new Uint8Array([123, 125]),
    createdAt: 1000,
    expiresAt: 5000,
    ...overrides,
  });

  it('runs an unknown key, replays a finished one, 409s a running one and 422s a different request', () => {
    expect(decideIdempotentRequest(undefined, 'f', 2000, 100)).toEqual({ kind: 'run' });
    expect(decideIdempotentRequest(record(), 'f', 2000, 100)).toMatchObject({ kind: 'replay', status: 201 });
    expect(decideIdempotentRequest(record({ state: 'running', createdAt: 1950 }), 'f', 2000, 100)).toEqual({
      kind: 'conflict',
    });
    expect(decideIdempotentRequest(record(), 'g', 2000, 100)).toEqual({ kind: 'mismatch' });
  });

  it('takes over expired records and runs abandoned past the lock timeout', () => {
    expect(decideIdempotentRequest(record(), 'g', 5000, 100)).toEqual({ kind: 'take-over' });
    expect(decideIdempotentRequest(record({ state: 'running', createdAt: 1900 }), 'f', 2000, 100)).toEqual({
      kind: 'take-over',
    });
  });

  it('stores only successes', () => {
    expect([200, 201, 204, 303, 399].every(isStoredStatus)).toBe(true);
    expect([400, 401, 409, 422, 500, 503].some(isStoredStatus)).toBe(false);
  });
});
