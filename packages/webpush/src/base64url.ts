import { PushCryptoError } from './errors.js';

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Both alphabets decode through one table: '+' and '-' are 62, '/' and '_' are 63. Keys in the wild come
// in either form, sometimes padded (Firefox sends applicationServerKey with '='), so accepting all of them
// is what interoperates; mixing is harmless because the two alphabets never disagree on a value.
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[URL_ALPHABET.charCodeAt(i)] = i;
DECODE['+'.charCodeAt(0)] = 62;
DECODE['/'.charCodeAt(0)] = 63;

/**
 * Decodes base64url (with or without `=` padding) or standard base64.
 *
 * @throws {PushCryptoError} `invalid-base64` on any other character, misplaced padding or an impossible length.
 * @example decodeBase64Url('BTBZMqHH6r4Tts7J_aSIgg') // 16 bytes
 */
export function decodeBase64Url(input: string): Uint8Array {
  if (typeof input !== 'string') throw new PushCryptoError('invalid-base64', 'expected a base64url string');
  let end = input.length;
  while (end > 0 && input.charCodeAt(end - 1) === 61 /* = */) end--;
  const padding = input.length - end;
  if (padding > 2 || (padding > 0 && input.length % 4 !== 0)) {
    throw new PushCryptoError('invalid-base64', `misplaced '=' padding in base64 input of length ${input.length}`);
  }
  if (end % 4 === 1) throw new PushCryptoError('invalid-base64', `base64 input cannot have length ${end} (mod 4 = 1)`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = input.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : undefined;
    if (v === undefined || v < 0) {
      throw new PushCryptoError('invalid-base64', `invalid base64 character ${JSON.stringify(input[i])} at ${i}`);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * Encodes bytes as unpadded base64url (RFC 4648 section 5), the form every Web Push header and key uses.
 *
 * @example encodeBase64Url(new Uint8Array([251, 255])) // '-_8'
 */
export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  // The first missing byte ends the input, so each read is checked once and the short final group (one or
  // two bytes, written without '=' padding) falls out of the same checks.
  for (let i = 0; ; i += 3) {
    const a = bytes[i];
    if (a === undefined) return out;
    const b = bytes[i + 1];
    if (b === undefined) return out + URL_ALPHABET.charAt(a >> 2) + URL_ALPHABET.charAt((a & 3) << 4);
    const c = bytes[i + 2];
    if (c === undefined) {
      return (
        out +
        URL_ALPHABET.charAt(a >> 2) +
        URL_ALPHABET.charAt(((a & 3) << 4) | (b >> 4)) +
        URL_ALPHABET.charAt((b & 15) << 2)
      );
    }
    const n = (a << 16) | (b << 8) | c;
    out +=
      URL_ALPHABET.charAt(n >> 18) +
      URL_ALPHABET.charAt((n >> 12) & 63) +
      URL_ALPHABET.charAt((n >> 6) & 63) +
      URL_ALPHABET.charAt(n & 63);
  }
}
