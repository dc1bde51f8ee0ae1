import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ACK_UPDATES, parseClientMessage } from '../src/protocol/client-messages.js';

const CHANNEL = '9f0a8d4e-2b1c-4c3d-8e5f-0a1b2c3d4e5f';
const KEY = `B${'A'.repeat(86)}=`; // 65 bytes, first byte 0x04

describe('parseClientMessage', () => {
  it('parses hello with and without a uaid', () => {
    expect(parseClientMessage('{"messageType":"hello","use_webpush":true,"broadcasts":{}}')).toEqual({
      ok: true,
      message: { type: 'hello', uaid: undefined, useWebpush: true, broadcasts: {} },
    });
    const uaid = 'ABCDEF0123456789abcdef0123456789';
    const r = parseClientMessage(JSON.stringify({ messageType: 'hello', uaid, use_webpush: true }));
    expect(r).toMatchObject({ ok: true, message: { type: 'hello', uaid: uaid.toLowerCase() } });
  });

  it('treats a malformed uaid in hello as none (the client gets a new one)', () => {
    const r = parseClientMessage('{"messageType":"hello","uaid":"not-a-uaid","use_webpush":true}');
    expect(r).toMatchObject({ ok: true, message: { type: 'hello', uaid: undefined } });
  });

  it('parses register with a padded applicationServerKey as Firefox sends it', () => {
    const r = parseClientMessage(
      JSON.stringify({ messageType: 'register', channelID: CHANNEL.toUpperCase(), key: KEY }),
    );
    expect(r.ok).toBe(true);
    if (r.ok && r.message.type === 'register') {
      expect(r.message.channelID).toBe(CHANNEL);
      expect(r.message.key?.length).toBe(65);
      expect(r.message.key?.[0]).toBe(4);
    }
  });

  it('refuses a register key that is not a P-256 point, naming the channel', () => {
    const r = parseClientMessage(JSON.stringify({ messageType: 'register', channelID: CHANNEL, key: 'AAAA' }));
    expect(r).toMatchObject({ ok: false, error: { kind: 'invalid-field', field: 'key', channelID: CHANNEL } });
  });

  it('parses unregister, ack, nack, ping and broadcast_subscribe', () => {
    expect(parseClientMessage(JSON.stringify({ messageType: 'unregister', channelID: CHANNEL, code: 200 }))).toEqual({
      ok: true,
      message: { type: 'unregister', channelID: CHANNEL, code: 200 },
    });
    expect(
      parseClientMessage(
        JSON.stringify({ messageType: 'ack', updates: [{ channelID: CHANNEL, version: 'v1', code: 100 }] }),
      ),
    ).toEqual({ ok: true, message: { type: 'ack', updates: [{ channelID: CHANNEL, version: 'v1', code: 100 }] } });
    expect(parseClientMessage('{"messageType":"nack","version":"v1","code":301}')).toEqual({
      ok: true,
      message: { type: 'nack', version: 'v1', code: 301 },
    });
    expect(parseClientMessage('{}')).toEqual({ ok: true, message: { type: 'ping' } });
    expect(parseClientMessage('{"messageType":"broadcast_subscribe","broadcasts":{"a":"v1"}}')).toEqual({
      ok: true,
      message: { type: 'broadcast_subscribe', broadcasts: { a: 'v1' } },
    });
  });

  it('gives typed errors for malformed JSON, non-objects, unknown types and bad fields', () => {
    expect(parseClientMessage('{')).toMatchObject({ ok: false, error: { kind: 'malformed-json' } });
    expect(parseClientMessage('[1]')).toMatchObject({ ok: false, error: { kind: 'not-an-object' } });
    expect(parseClientMessage('null')).toMatchObject({ ok: false, error: { kind: 'not-an-object' } });
    expect(parseClientMessage('{"messageType":"launch"}')).toMatchObject({
      ok: false,
      error: { kind: 'unknown-message-type', messageType: 'launch' },
    });
    expect(parseClientMessage('{"messageType":"register","channelID":"x"}')).toMatchObject({
      ok: false,
      error: { kind: 'invalid-field', field: 'channelID' },
    });
    expect(parseClientMessage('{"messageType":"ack","updates":{}}')).toMatchObject({
      ok: false,
      error: { field: 'updates' },
    });
    const many = Array.from({ length: MAX_ACK_UPDATES + 1 }, () => ({ channelID: CHANNEL, version: 'v' }));
    expect(parseClientMessage(JSON.stringify({ messageType: 'ack', updates: many }))).toMatchObject({ ok: false });
  });

  it('never throws, and always returns a message or a typed error (any string)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = parseClientMessage(text);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary JSON values shaped like client messages', () => {
    const type = fc.constantFrom('hello', 'register', 'unregister', 'ack', 'nack', 'ping', 'broadcast_subscribe', 'x');
    const message = fc.record(
      {
        messageType: fc.oneof(type, fc.anything()),
        uaid: fc.anything(),
        channelID: fc.oneof(fc.uuid(), fc.anything()),
        key: fc.anything(),
        updates: fc.oneof(fc.array(fc.anything()), fc.anything()),
        version: fc.anything(),
        code: fc.anything(),
        broadcasts: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(message, (m) => {
        const r = parseClientMessage(JSON.stringify(m));
        if (r.ok) expect(r.message.type).toBeTypeOf('string');
        else expect(r.error.kind).toBeTypeOf('string');
      }),
      { numRuns: 2000 },
    );
  });
});
