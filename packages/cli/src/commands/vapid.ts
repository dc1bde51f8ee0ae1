import { parseArgs } from 'node:util';
import { generateVapidKeys } from '@outpost/webpush';
import { type CommandIo, processIo } from '../command.js';

/** Command name for the `outpost` dispatcher. */
export const name = 'vapid';

/** One line for `outpost --help`. */
export const summary = 'generate a VAPID key pair (prints {"publicKey","privateKey"} as JSON)';

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
  const keys = await generateVapidKeys();
  io.stdout.write(`${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey })}\n`);
  return 0;
}
