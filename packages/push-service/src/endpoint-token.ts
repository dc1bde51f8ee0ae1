import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { bytesToChannelId, bytesToUaid, uuidToBytes } from './protocol/ids.js';

/** What an endpoint token carries. */
export interface EndpointClaims {
  uaid: string;
  channelID: string;
  /** SHA-256 of the applicationServerKey of a restricted subscription. */
  keyHash?: Uint8Array;
}

/** Why a token was refused. */
export type TokenError = 'malformed' | 'unknown-key' | 'tampered';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_HASH_BYTES = 32;
// version + uaid + channel, then an optional key hash.
const PLAIN_BYTES = 1 + 16 + 16;
const MIN_TOKEN_BYTES = 1 + IV_BYTES + PLAIN_BYTES + TAG_BYTES;
const MAX_TOKEN_BYTES = MIN_TOKEN_BYTES + KEY_HASH_BYTES;
const AAD = Buffer.from('outpost push endpoint');
const OPENED_CACHE = 10_000;

interface TokenKey {
  id: number;
  key: Buffer;
}

/**
 * Seals and opens push endpoint tokens: AES-256-GCM over (uaid, channelID, key hash?) under keys derived from server
 * secrets. The first byte of a token names the key that sealed it, so secrets can be rotated: put the new secret
 * first (it seals), keep the old ones after it (they still open) until every subscription made under them is gone.
 *
 * A token that is malformed, names no known key or fails authentication is refused here, before any store access.
 *
 * @example
 * const ring = EndpointKeyring.fromSecrets(['a long random server secret']);
 * const token = ring.seal({ uaid, channelID });
 * ring.open(token); // { ok: true, claims: { uaid, channelID } }
 */
export class EndpointKeyring {
  readonly #current: TokenKey;
  readonly #keys: TokenKey[];
  /** Tokens that opened, by their exact text: application servers send to the same endpoints again and again. */
  readonly #opened = new Map<string, EndpointClaims>();

  private constructor(current: TokenKey, keys: TokenKey[]) {
    this.#current = current;
    this.#keys = keys;
  }

  /** Builds a keyring; the first secret seals new tokens. Each secret needs at least 16 bytes of entropy. */
  static fromSecrets(secrets: ReadonlyArray<string | Uint8Array>): EndpointKeyring {
    const keys = secrets.map((secret) => {
      const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
      if (ikm.length < 16) throw new Error('each endpoint secret must be at least 16 bytes');
      const key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'outpost push endpoint key v1', 32));
      const id = createHash('sha256').update(key).digest().readUInt8(0);
      return { id, key };
    });
    const [current] = keys;
    if (current === undefined) throw new Error('endpoint keyring needs at least one secret');
    return new EndpointKeyring(current, keys);
  }

  /** Seals claims into a URL-safe token. */
  seal(claims: EndpointClaims): string {
    const current = this.#current;
    const plain = Buffer.alloc(PLAIN_BYTES + (claims.keyHash ? KEY_HASH_BYTES : 0));
    plain[0] = FORMAT_VERSION;
    uuidToBytes(claims.uaid).copy(plain, 1);
    uuidToBytes(claims.channelID).copy(plain, 17);
    if (claims.keyHash) {
      if (claims.keyHash.length !== KEY_HASH_BYTES) throw new Error('keyHash must be 32 bytes');
      plain.set(claims.keyHash, PLAIN_BYTES);
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.of(current.id), iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens a token, or says why it cannot. */
  open(token: string): { ok: true; claims: EndpointClaims } | { ok: false; error: TokenError } {
    const known = this.#opened.get(token);
    if (known) return { ok: true, claims: known };
    const result = this.#open(token);
    if (result.ok) {
      if (this.#opened.size >= OPENED_CACHE) this.#opened.clear();
      this.#opened.set(token, result.claims);
    }
    return result;
  }

  #open(token: string): { ok: true; claims: EndpointClaims } | { ok: false; error: TokenError } {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, error: 'malformed' };
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== MIN_TOKEN_BYTES && raw.length !== MAX_TOKEN_BYTES) return { ok: false, error: 'malformed' };
    const candidates = this.#keys.filter((k) => k.id === raw[0]);
    if (candidates.length === 0) return { ok: false, error: 'unknown-key' };
    const iv = raw.subarray(1, 1 + IV_BYTES);
    const body = raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    for (const { key } of candidates) {
      const plain = tryDecrypt(key, iv, body, tag);
      if (!plain || plain[0] !== FORMAT_VERSION) continue;
      const claims: EndpointClaims = {
        uaid: bytesToUaid(plain.subarray(1, 17)),
        channelID: bytesToChannelId(plain.subarray(17, 33)),
      };
      if (plain.length === PLAIN_BYTES + KEY_HASH_BYTES) claims.keyHash = new Uint8Array(plain.subarray(PLAIN_BYTES));
      return { ok: true, claims };
    }
    return { ok: false, error: 'tampered' };
  }
}

function tryDecrypt(key: Buffer, iv: Buffer, body: Buffer, tag: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The key hash a restricted subscription stores and its endpoint carries: SHA-256 of the raw public key. */
export function applicationServerKeyHash(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKey).digest());
}
