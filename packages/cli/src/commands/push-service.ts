import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createPushService, pushServiceLogger } from '@outpost/push-service';
import { type CommandIo, processIo } from '../command.js';

/** `outpost push-service --help`. */
export const usage = `Usage: outpost push-service [--port 8090] [--host 127.0.0.1] [--public-url <url>]
                           [--db <sqlite path | postgres://…>] [--secret-file <file>]

Runs a Web Push service (RFC 8030 + RFC 8292 VAPID) that Firefox can use:
  about:config  dom.push.serverURL = ws://<host>:<port>/
                dom.push.testing.allowInsecureServerURL = true   (for ws://)

Options:
  --port <n>           port for both HTTP and WebSocket (default 8090; 0 = any free port)
  --host <addr>        address to bind (default 127.0.0.1)
  --public-url <url>   origin application servers reach this service at: endpoint URLs and the VAPID
                       audience (default http://<host>:<port>)
  --db <url>           SQLite file (default $DATABASE_URL or ./data/push-service.db) or postgres://… to run
                       several nodes on one database
  --secret-file <f>    endpoint secrets, one per line, newest first (default ./data/push-service.secret;
                       created with a random secret if missing). Keep old lines to rotate without
                       breaking existing subscriptions.
  -h, --help           this help

Logs are pino JSON on stdout; the first line carries the HTTP and WebSocket URLs. SIGINT/SIGTERM shut
down gracefully: accepted messages are committed, user agents get close frames.`;

/** Runs the push service until SIGINT/SIGTERM (or `io.signal`). Resolves with the exit code. */
export async function run(argv: string[], io: CommandIo = processIo): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    io.stderr.write(`outpost push-service: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr.write(`outpost push-service: --port must be an integer from 0 to 65535, got ${values.port}\n`);
    return 2;
  }
  if (values['public-url'] !== undefined && !isHttpUrl(values['public-url'])) {
    io.stderr.write(`outpost push-service: --public-url must be an http(s) URL, got ${values['public-url']}\n`);
    return 2;
  }
  const logger = pushServiceLogger(io.stdout);
  let secrets: { secrets: string[]; created: boolean };
  try {
    secrets = await loadSecrets(values['secret-file']);
  } catch (error) {
    io.stderr.write(`outpost push-service: ${(error as Error).message}\n`);
    return 1;
  }
  const db = values.db ?? process.env.DATABASE_URL ?? './data/push-service.db';
  let service: Awaited<ReturnType<typeof createPushService>> | undefined;
  try {
    service = await createPushService({
      db,
      host: values.host,
      port,
      publicUrl: values['public-url'],
      secrets: secrets.secrets,
      logger,
    });
    await service.listen();
  } catch (error) {
    // A database that cannot be opened, a port in use: one clear line, not a stack.
    io.stderr.write(`outpost push-service: cannot start: ${(error as Error).message}\n`);
    await service?.close().catch(() => undefined);
    return 1;
  }
  // After the listening line, which stays the first line of the log.
  if (secrets.created) {
    logger.warn({ file: values['secret-file'] }, 'created a new endpoint secret file; keep it: endpoints die with it');
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  await service.close();
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' },
      db: { type: 'string' },
      'secret-file': { type: 'string', default: './data/push-service.secret' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Reads the secret file (one secret per line, `#` comments), creating it with a fresh secret if it is missing. */
async function loadSecrets(file: string): Promise<{ secrets: string[]; created: boolean }> {
  let text: string;
  let created = false;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = `${randomBytes(32).toString('base64url')}\n`;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `# outpost push-service endpoint secrets, newest first\n${text}`, { mode: 0o600 });
    created = true;
  }
  const secrets = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (secrets.length === 0) throw new Error(`${file} holds no secret`);
  const short = secrets.find((s) => Buffer.byteLength(s) < 16);
  if (short !== undefined) throw new Error(`${file}: every secret must be at least 16 bytes`);
  return { secrets, created };
}
