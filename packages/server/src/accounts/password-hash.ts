import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters. `logN` is log2 of the CPU/memory cost N. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * OWASP's scrypt setting of 32 MiB per hash (N=2^15, r=8, p=3), equivalent in strength to N=2^17, p=1 but at a
 * quarter of the memory, which matters when several sign-ins hash at once on a small machine.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 15, r: 8, p: 3 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** A stored hash string is not in the `$scrypt$ln=…,r=…,p=…$salt$hash` format or has out-of-range parameters. */
export class PasswordHashFormatError extends Error {
  override readonly name = 'PasswordHashFormatError';
}

/** A parsed stored hash: the parameters it was made with, its salt and the derived key. */
export interface ParsedPasswordHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * Parses a stored hash in PHC string format, e.g. `$scrypt$ln=15,r=8,p=3$<salt>$<key>` (unpadded base64).
 * Keeping the parameters with the hash lets them be raised later without invalidating existing passwords.
 */
export function parsePasswordHash(text: string): ParsedPasswordHash {
  const match = PHC.exec(text);
  if (!match) throw new PasswordHashFormatError('not a $scrypt$ln=…,r=…,p=…$salt$hash string');
  const [, logN, r, p, salt, key] = match;
  // Every group of PHC is required, so a match has them all; the check only tells the type checker so.
  if (logN === undefined || r === undefined || p === undefined || salt === undefined || key === undefined) {
    throw new PasswordHashFormatError('not a $scrypt$ln=…,r=…,p=…$salt$hash string');
  }
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  checkParams(params);
  const parsed = { params, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
  if (parsed.salt.length < 8 || parsed.key.length < 16) throw new PasswordHashFormatError('salt or key too short');
  return parsed;
}

/** The PHC string for a parsed hash; the inverse of {@link parsePasswordHash}. */
export function formatPasswordHash({ params, salt, key }: ParsedPasswordHash): string {
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

function checkParams({ logN, r, p }: ScryptParams): void {
  if (!(logN >= 10 && logN <= 22 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) {
    throw new PasswordHashFormatError(`scrypt parameters out of range: ln=${logN}, r=${r}, p=${p}`);
  }
}

/** Passwords are compared as NFC so that the same text typed on different keyboards hashes the same. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // Node refuses above 32 MiB by default; scrypt needs 128·N·r bytes plus a little.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(passwordBytes(password), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt; returns the PHC string to store. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  return formatPasswordHash({ params, salt, key: await derive(password, salt, params) });
}

/** Whether `password` matches the stored hash; the final comparison takes the same time wherever bytes differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { params, salt, key } = parsePasswordHash(stored);
  const candidate = await derive(password, salt, params);
  return candidate.length === key.length && timingSafeEqual(candidate, key);
}

/** Whether a stored hash was made with weaker parameters than `current` and should be replaced at next sign-in. */
export function needsRehash(stored: string, current: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const { params } = parsePasswordHash(stored);
  return params.logN < current.logN || params.r < current.r || params.p < current.p;
}
