import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type CommandIo, processIo } from '../command.js';

/** `outpost vapid --help`. */
export const usage = `Usage: outpost vapid

Prints a fresh VAPID (RFC 8292) key pair as one JSON line:
  {"publicKey":"B…","privateKey":"…"}
Both are base64url without padding; the public key is the uncompressed 65-byte P-256 point (use it as the
applicationServerKey in pushManager.subscribe), the private key the 32-byte scalar. Keep the file secret:
  outpost vapid > vapid.json && chmod 600 vapid.json

Options:
  -h, --help   this help`;

/** Prints a new key pair. */
export async function run(argv: string[], io: CommandIo = processIo): Promise<number> {
  let help: boolean | undefined;
  try {
    help = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true }).values.help;
  } catch (error) {
    io.stderr.write(`outpost vapid: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  const keys = vapidKeyPair();
  io.stdout.write(`${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey })}\n`);
  return 0;
}

/**
 * A fresh P-256 key pair in VAPID's encoding, straight from node:crypto: this command runs once per
 * deployment and is timed against `web-push generate-vapid-keys`, so it loads no module beyond node:crypto
 * (the package's generateVapidKeys gives the same result through a dozen more modules).
 */
function vapidKeyPair(): { publicKey: string; privateKey: string } {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y || !jwk.d) throw new Error('node:crypto exported a P-256 key without x, y and d');
  // The uncompressed point 0x04 || x || y; JWK coordinates and d are already 32 bytes each, base64url.
  const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d };
}
