import { randomBytes, randomUUID } from 'node:crypto';

/** A UAID as this service issues it: 32 lower-case hex digits (a UUID without dashes, like autopush). */
export const UAID_PATTERN = /^[0-9a-f]{32}$/;

/** A channel ID as Firefox sends it: a dashed UUID (compared in lower case). */
export const CHANNEL_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Makes a fresh UAID. */
export function newUaid(): string {
  return randomUUID().replaceAll('-', '');
}

// One randomBytes call per 256 IDs: the per-call overhead, not the bytes, is what costs at thousands of messages/s.
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let offset = 0;

/** Makes a message ID (the `version` a user agent acks, and the last segment of the message URL): 128 random bits. */
export function newMessageId(): string {
  if (offset >= pool.length) {
    pool = randomBytes(16 * POOL_IDS);
    offset = 0;
  }
  offset += 16;
  return pool.toString('base64url', offset - 16, offset);
}

/** Packs a UAID or channel ID (32 hex digits, dashes ignored) into its 16 bytes. */
export function uuidToBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

/** Unpacks 16 bytes into the dashed channel-ID form. */
export function bytesToChannelId(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Unpacks 16 bytes into the UAID form. */
export function bytesToUaid(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const BASE64URL_PADDED = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Strictly decodes base64url, with or without `=` padding (Firefox pads applicationServerKey). Returns undefined for
 * anything else, where Node's own decoder would silently skip the bad characters.
 */
export function decodeBase64UrlStrict(value: string): Buffer | undefined {
  if (!BASE64URL_PADDED.test(value)) return undefined;
  const bare = value.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, 'base64url');
}
