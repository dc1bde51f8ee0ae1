import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  type ContentEncoding,
  decodeVapidKeys,
  fanOut,
  isValidVapidSubject,
  MAX_PAYLOAD_BYTES,
  PushCryptoError,
  PushHttpClient,
  PushRequestError,
  type PushSubscriptionJSON,
  type SendOptions,
  type SendResult,
  sendNotification,
  type Urgency,
  type VapidKeys,
} from '@outpost/webpush';
import { type CommandIo, processIo } from '../command.js';
import { countLines, readNdjson } from '../ndjson.js';
import { ProgressBar, type ProgressState } from '../progress-bar.js';

/** `outpost send --help`. */
export const usage = `Usage: outpost send --subscription <file|-> (--payload <text> | --payload-file <file>)
                    --vapid <keys.json> --subject <mailto:…|https:…>
                    [--ttl <s>] [--urgency very-low|low|normal|high] [--topic <t>]
                    [--encoding aes128gcm|aesgcm]
       outpost send --subscriptions <file.ndjson> … [--concurrency N] [--expired-out <file>]

One subscription (--subscription, a PushSubscription JSON file, - for stdin): prints one JSON line
  {"endpoint":…,"status":201,"result":"delivered",…}
and exits 0 only when delivered. Results: delivered, expired (404/410: delete the subscription), too-large,
rate-limited, rejected (other 4xx, with the service's reason), failed (network/5xx after retries), invalid
(the subscription's endpoint or keys are unusable).

Many (--subscriptions, one PushSubscription JSON per line, streamed): a progress bar on stderr when it is a
terminal, then one JSON line {"delivered":…,"expired":…,"failed":…,"seconds":…} on stdout; exits 1 if any
failed ("failed" counts every result that is neither delivered nor expired, and unreadable lines).

Options:
  --subscription <file|->    one PushSubscription JSON
  --subscriptions <file>     NDJSON file of PushSubscription JSON, one per line
  --payload <text>           the message (UTF-8), at most ${MAX_PAYLOAD_BYTES.aes128gcm} bytes
  --payload-file <file>      the message read from a file (bytes as they are)
  --vapid <keys.json>        {"publicKey","privateKey"} as printed by \`outpost vapid\`
  --subject <url>            VAPID contact: mailto:you@example.com or an https: URL
  --ttl <s>                  seconds the push service may hold the message (default 2419200 = 4 weeks)
  --urgency <u>              very-low, low, normal or high
  --topic <t>                replaces an undelivered message with the same topic (<= 32 base64url chars)
  --encoding <e>             aes128gcm (default) or the legacy aesgcm
  --concurrency <n>          messages in flight at once with --subscriptions (default 100)
  --expired-out <file>       with --subscriptions: write each expired subscription (404/410) to this NDJSON
  -h, --help                 this help

HTTPS push services with self-signed certificates: NODE_EXTRA_CA_CERTS=<ca.pem> outpost send …`;

const URGENCIES = ['very-low', 'low', 'normal', 'high'];

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      subscription: { type: 'string' },
      subscriptions: { type: 'string' },
      payload: { type: 'string' },
      'payload-file': { type: 'string' },
      vapid: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string' },
      urgency: { type: 'string' },
      topic: { type: 'string' },
      encoding: { type: 'string' },
      concurrency: { type: 'string' },
      'expired-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** A usage problem: reported with exit code 2. */
class UsageError extends Error {}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got ${text}`);
  return Number(text);
}

async function readText(path: string, stdin: Readable | undefined, what: string): Promise<string> {
  try {
    if (path !== '-') return await readFile(path, 'utf8');
    if (!stdin) throw new Error('no standard input');
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

async function readVapidKeys(path: string): Promise<VapidKeys> {
  const text = await readText(path, undefined, '--vapid');
  let keys: VapidKeys;
  try {
    keys = JSON.parse(text);
    decodeVapidKeys(keys);
  } catch (error) {
    throw new UsageError(
      `--vapid ${path} is not a VAPID key pair ({"publicKey","privateKey"}): ${(error as Error).message}`,
    );
  }
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}

async function readPayload(values: ReturnType<typeof parse>['values']): Promise<Uint8Array> {
  const text = values.payload;
  const file = values['payload-file'];
  if (text !== undefined && file === undefined) return new TextEncoder().encode(text);
  if (text !== undefined || file === undefined) {
    throw new UsageError('give exactly one of --payload <text> or --payload-file <file>');
  }
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new UsageError(`cannot read --payload-file: ${(error as Error).message}`);
  }
}

/** The options shared by both modes, validated. */
async function sendOptions(values: ReturnType<typeof parse>['values']): Promise<SendOptions> {
  if (!values.vapid) throw new UsageError('--vapid <keys.json> is required');
  if (!values.subject) throw new UsageError('--subject <mailto:…|https:…> is required');
  if (!isValidVapidSubject(values.subject)) {
    throw new UsageError(`--subject must be a mailto: or https: URL, got ${values.subject}`);
  }
  if (values.urgency !== undefined && !URGENCIES.includes(values.urgency)) {
    throw new UsageError(`--urgency must be one of ${URGENCIES.join(', ')}, got ${values.urgency}`);
  }
  if (values.encoding !== undefined && values.encoding !== 'aes128gcm' && values.encoding !== 'aesgcm') {
    throw new UsageError(`--encoding must be aes128gcm or aesgcm, got ${values.encoding}`);
  }
  return {
    vapid: { keys: await readVapidKeys(values.vapid), subject: values.subject },
    ttl: integer('ttl', values.ttl, 0),
    urgency: values.urgency as Urgency | undefined,
    topic: values.topic,
    encoding: values.encoding as ContentEncoding | undefined,
  };
}

/** The single-send output line: endpoint, status and result first, then the details. */
function resultLine(result: SendResult): string {
  const { endpoint, result: outcome, ...rest } = result;
  const status = 'status' in rest ? rest.status : null;
  return JSON.stringify({ endpoint, status: status ?? null, result: outcome, ...rest });
}

async function sendOne(source: string, options: SendOptions, payload: Uint8Array, io: CommandIo): Promise<number> {
  const text = await readText(source, io.stdin, '--subscription');
  let subscription: PushSubscriptionJSON;
  try {
    subscription = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--subscription is not JSON: ${(error as Error).message}`);
  }
  if (subscription === null || typeof subscription !== 'object') {
    throw new UsageError('--subscription must be a PushSubscription JSON object');
  }
  const result = await sendNotification(subscription, payload, options);
  io.stdout.write(`${resultLine(result)}\n`);
  return result.result === 'delivered' ? 0 : 1;
}

async function write(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await once(out, 'drain');
}

async function sendMany(
  file: string,
  values: ReturnType<typeof parse>['values'],
  options: SendOptions,
  payload: Uint8Array,
  io: CommandIo,
): Promise<number> {
  const concurrency = integer('concurrency', values.concurrency, 1) ?? 100;
  let total: number | undefined;
  try {
    total = io.stderrIsTTY ? await countLines(file) : undefined;
  } catch (error) {
    throw new UsageError(`cannot read --subscriptions ${file}: ${(error as Error).message}`);
  }
  const bar = io.stderrIsTTY ? new ProgressBar(io.stderr, total) : undefined;
  let unreadable = 0;
  const expiredOut = values['expired-out'] ? createWriteStream(values['expired-out']) : undefined;
  const state = (p: { total: number; delivered: number; expired: number; seconds: number }): ProgressState => ({
    done: p.total + unreadable,
    delivered: p.delivered,
    expired: p.expired,
    failed: p.total - p.delivered - p.expired + unreadable,
    seconds: p.seconds,
  });
  const subscriptions = readNdjson<PushSubscriptionJSON>(file, (bad) => {
    unreadable++;
    if (!bar) io.stderr.write(`outpost send: ${file} line ${bad.line} skipped: ${bad.message}\n`);
  });
  try {
    const summary = await fanOut(subscriptions, payload, {
      ...options,
      // Without a client of its own, fanOut's worker threads each encrypt and send with their own pools.
      client: undefined,
      concurrency,
      onResult: expiredOut
        ? (result, subscription) =>
            result.result === 'expired' ? write(expiredOut, `${JSON.stringify(subscription)}\n`) : undefined
        : undefined,
      onProgress: bar ? (p) => (p.finished ? bar.finish(state(p)) : bar.update(state(p))) : undefined,
      progressIntervalMs: 100,
    });
    const line = state(summary);
    io.stdout.write(
      `${JSON.stringify({
        delivered: line.delivered,
        expired: line.expired,
        failed: line.failed,
        seconds: Math.round(summary.seconds * 1000) / 1000,
      })}\n`,
    );
    return line.failed > 0 ? 1 : 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`cannot read --subscriptions ${file}: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    if (expiredOut) await new Promise<void>((resolve) => expiredOut.end(resolve));
  }
}

/** Sends to one subscription or to a file of them. */
export async function run(argv: string[], io: CommandIo = processIo): Promise<number> {
  const client = new PushHttpClient();
  try {
    let values: ReturnType<typeof parse>['values'];
    try {
      values = parse(argv).values;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.help) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    const { subscription, subscriptions } = values;
    if ((subscription === undefined) === (subscriptions === undefined)) {
      throw new UsageError('give exactly one of --subscription <file|-> or --subscriptions <file.ndjson>');
    }
    if (subscription !== undefined && (values.concurrency || values['expired-out'])) {
      throw new UsageError('--concurrency and --expired-out go with --subscriptions');
    }
    const payload = await readPayload(values);
    const options = { ...(await sendOptions(values)), client, signal: io.signal };
    if (subscription !== undefined) return await sendOne(subscription, options, payload, io);
    // Checked above: without --subscription, --subscriptions is there.
    if (subscriptions !== undefined) return await sendMany(subscriptions, values, options, payload, io);
    throw new UsageError('give exactly one of --subscription <file|-> or --subscriptions <file.ndjson>');
  } catch (error) {
    if (error instanceof UsageError || error instanceof PushRequestError || error instanceof PushCryptoError) {
      io.stderr.write(`outpost send: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await client.close();
  }
}
