import { parseArgs } from 'node:util';
import { type ReceivedMessage, VirtualUserAgent } from '@outpost/push-service';
import { type CommandIo, processIo } from '../command.js';

/** `outpost ua --help`. */
export const usage = `Usage: outpost ua --server <ws url> [--key <applicationServerKey>] [--count N]

Connects to a push service over the Mozilla WebPush protocol like Firefox does, subscribes with real
keys, and prints:
  line 1   the subscription JSON {"endpoint","keys":{"p256dh","auth"}} (give it to your app server)
  then     one {"version","data"} line per message (data = the decrypted UTF-8 text, null if empty)
Each message is acked.

Options:
  --server <url>   the push service's WebSocket URL, e.g. ws://127.0.0.1:8090/
  --key <k>        applicationServerKey (VAPID public key, base64url): a restricted subscription
  --count <n>      exit after n messages (default: run until interrupted)
  -h, --help       this help`;

// setTimeout's ceiling: "wait for the next message" without a deadline.
const FOREVER_MS = 2 ** 31 - 1;

/** Runs the virtual user agent. Resolves with the exit code. */
export async function run(argv: string[], io: CommandIo = processIo): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    io.stderr.write(`outpost ua: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!values.server || !/^wss?:\/\//.test(values.server)) {
    io.stderr.write(`outpost ua: --server <ws://… or wss://…> is required\n`);
    return 2;
  }
  const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
  if (!(count === Number.POSITIVE_INFINITY || (Number.isInteger(count) && count > 0))) {
    io.stderr.write(`outpost ua: --count must be a positive integer, got ${values.count}\n`);
    return 2;
  }
  let ua: VirtualUserAgent;
  try {
    ua = await VirtualUserAgent.connect(values.server);
  } catch (error) {
    io.stderr.write(`outpost ua: cannot connect to ${values.server}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const subscription = await ua.subscribe(values.key ? { applicationServerKey: values.key } : {});
    io.stdout.write(`${JSON.stringify(subscription)}\n`);
    // The end (a signal, or the service closing the connection) wakes whichever wait is current. Racing each
    // wait against one long-lived promise instead would leave a reaction per message on it, and a `ua` left
    // running for days would grow with every message it printed.
    type End = 'stopped' | { lost: { code: number; reason: string } };
    let end: End | undefined;
    let wake: ((end: End) => void) | undefined;
    const finish = (reason: End) => {
      end ??= reason;
      wake?.(end);
    };
    const stop = () => finish('stopped');
    process.once('SIGINT', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
    void ua.closed.then((lost) => finish({ lost }));
    for (let received = 0; received < count; received++) {
      const next =
        end ??
        (await new Promise<ReceivedMessage | End>((resolve, reject) => {
          wake = resolve;
          ua.nextMessage(FOREVER_MS).then(resolve, reject);
        }).finally(() => {
          wake = undefined;
        }));
      if (next === 'stopped') return 0;
      if ('lost' in next) {
        io.stderr.write(`outpost ua: the push service closed the connection (${next.lost.code} ${next.lost.reason})\n`);
        return 1;
      }
      if (next.error) io.stderr.write(`outpost ua: message ${next.version} did not decrypt: ${next.error}\n`);
      io.stdout.write(`${JSON.stringify({ version: next.version, data: next.text ?? null })}\n`);
    }
    return 0;
  } catch (error) {
    io.stderr.write(`outpost ua: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await ua.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      server: { type: 'string' },
      key: { type: 'string' },
      count: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
