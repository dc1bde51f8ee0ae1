import { CHANNEL_ID_PATTERN, decodeBase64UrlStrict, UAID_PATTERN } from './ids.js';

/** Messages a user agent sends over the Mozilla WebPush WebSocket protocol, after validation. */
export type ClientMessage =
  | { type: 'hello'; uaid: string | undefined; useWebpush: boolean; broadcasts: Record<string, string> }
  | { type: 'register'; channelID: string; key: Uint8Array | undefined }
  | { type: 'unregister'; channelID: string; code: number | undefined }
  | { type: 'ack'; updates: AckUpdate[] }
  | { type: 'nack'; version: string; code: number | undefined }
  | { type: 'ping' }
  | { type: 'broadcast_subscribe'; broadcasts: Record<string, string> };

/** One entry of an `ack`: code 100 delivered, 101 decryption failed, 102 not delivered (duplicate). */
export interface AckUpdate {
  channelID: string;
  version: string;
  code: number | undefined;
}

/** Why a client message was refused. */
export type ProtocolErrorKind = 'malformed-json' | 'not-an-object' | 'unknown-message-type' | 'invalid-field';

/** A refused client message, with the message type (when known) so the server can answer in kind. */
export interface ProtocolError {
  kind: ProtocolErrorKind;
  messageType: string | undefined;
  /** The channel the message was about, when it named a valid one (a bad `register` still gets a `register` reply). */
  channelID: string | undefined;
  field: string | undefined;
  message: string;
}

/** Result of {@link parseClientMessage}. */
export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; error: ProtocolError };

/** Largest number of updates one `ack` may carry; Firefox sends one per notification. */
export const MAX_ACK_UPDATES = 1000;
const MAX_VERSION_LENGTH = 200;

/**
 * Parses and validates one WebSocket text frame from a user agent. Pure: never throws, every refusal is a typed
 * {@link ProtocolError} with a reason fit to send back.
 *
 * @example
 * parseClientMessage('{"messageType":"hello","use_webpush":true}')
 * // { ok: true, message: { type: 'hello', uaid: undefined, useWebpush: true, broadcasts: {} } }
 */
export function parseClientMessage(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('malformed-json', undefined, undefined, 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not-an-object', undefined, undefined, 'frame must be a JSON object');
  }
  const m = value as Record<string, unknown>;
  // Firefox's keep-alive ping is an empty object.
  if (Object.keys(m).length === 0) return { ok: true, message: { type: 'ping' } };
  const type = m.messageType;
  if (typeof type !== 'string') return fail('invalid-field', undefined, 'messageType', 'messageType must be a string');
  switch (type) {
    case 'hello':
      return parseHello(m);
    case 'register':
      return parseRegister(m);
    case 'unregister':
      return parseUnregister(m);
    case 'ack':
      return parseAck(m);
    case 'nack':
      return parseNack(m);
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    case 'broadcast_subscribe': {
      const broadcasts = parseBroadcasts(m.broadcasts);
      if (!broadcasts) return fail('invalid-field', type, 'broadcasts', 'broadcasts must map strings to strings');
      return { ok: true, message: { type, broadcasts } };
    }
    default:
      return fail(
        'unknown-message-type',
        type.slice(0, 40),
        'messageType',
        `unknown messageType "${type.slice(0, 40)}"`,
      );
  }
}

function parseHello(m: Record<string, unknown>): ParseResult {
  // An unknown or malformed uaid is not an error: the client simply gets a new one (and drops its subscriptions).
  const uaid = typeof m.uaid === 'string' && UAID_PATTERN.test(m.uaid.toLowerCase()) ? m.uaid.toLowerCase() : undefined;
  const broadcasts = m.broadcasts === undefined ? {} : parseBroadcasts(m.broadcasts);
  if (!broadcasts) return fail('invalid-field', 'hello', 'broadcasts', 'broadcasts must map strings to strings');
  return { ok: true, message: { type: 'hello', uaid, useWebpush: m.use_webpush === true, broadcasts } };
}

function parseRegister(m: Record<string, unknown>): ParseResult {
  const channelID = channelIdOf(m.channelID);
  if (!channelID) return fail('invalid-field', 'register', 'channelID', 'channelID must be a UUID');
  let key: Uint8Array | undefined;
  if (m.key !== undefined && m.key !== null) {
    const raw = typeof m.key === 'string' ? decodeBase64UrlStrict(m.key) : undefined;
    if (raw?.length !== 65 || raw[0] !== 0x04) {
      return fail(
        'invalid-field',
        'register',
        'key',
        'key must be a base64url uncompressed P-256 public key (65 bytes)',
        channelID,
      );
    }
    key = raw;
  }
  return { ok: true, message: { type: 'register', channelID, key } };
}

function parseUnregister(m: Record<string, unknown>): ParseResult {
  const channelID = channelIdOf(m.channelID);
  if (!channelID) return fail('invalid-field', 'unregister', 'channelID', 'channelID must be a UUID');
  const code = optionalCode(m.code);
  if (code === null) return fail('invalid-field', 'unregister', 'code', 'code must be an integer', channelID);
  return { ok: true, message: { type: 'unregister', channelID, code } };
}

function parseAck(m: Record<string, unknown>): ParseResult {
  if (!Array.isArray(m.updates)) return fail('invalid-field', 'ack', 'updates', 'updates must be an array');
  if (m.updates.length > MAX_ACK_UPDATES) {
    return fail('invalid-field', 'ack', 'updates', `at most ${MAX_ACK_UPDATES} updates per ack`);
  }
  const updates: AckUpdate[] = [];
  for (const u of m.updates as unknown[]) {
    if (typeof u !== 'object' || u === null) return fail('invalid-field', 'ack', 'updates', 'each update is an object');
    const e = u as Record<string, unknown>;
    const channelID = channelIdOf(e.channelID);
    if (!channelID) return fail('invalid-field', 'ack', 'updates.channelID', 'channelID must be a UUID');
    if (!isVersion(e.version)) return fail('invalid-field', 'ack', 'updates.version', 'version must be a string');
    const code = optionalCode(e.code);
    if (code === null) return fail('invalid-field', 'ack', 'updates.code', 'code must be an integer');
    updates.push({ channelID, version: e.version, code });
  }
  return { ok: true, message: { type: 'ack', updates } };
}

function parseNack(m: Record<string, unknown>): ParseResult {
  if (!isVersion(m.version)) return fail('invalid-field', 'nack', 'version', 'version must be a string');
  const code = optionalCode(m.code);
  if (code === null) return fail('invalid-field', 'nack', 'code', 'code must be an integer');
  return { ok: true, message: { type: 'nack', version: m.version, code } };
}

function channelIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.toLowerCase();
  return CHANNEL_ID_PATTERN.test(id) ? id : undefined;
}

function isVersion(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_VERSION_LENGTH;
}

/** undefined when absent, null when present but not an integer. */
function optionalCode(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  return Number.isInteger(value) ? (value as number) : null;
}

function parseBroadcasts(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

function fail(
  kind: ProtocolErrorKind,
  messageType: string | undefined,
  field: string | undefined,
  message: string,
  channelID?: string,
): ParseResult {
  return { ok: false, error: { kind, messageType, channelID, field, message } };
}
