import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { toBytes } from './bytes.js';
import { type ContentEncoding, checkPayload, type EncryptedPayload, encrypt } from './encrypt.js';
import { EncryptPool } from './encrypt-pool.js';
import { PushRequestError } from './errors.js';
import type { PushHttpClientOptions } from './http-client.js';
import type { PushSubscriptionJSON, PushSubscriptionKeys } from './keys.js';
import { resolveRetryPolicy } from './retry.js';
import { Semaphore } from './semaphore.js';
import { SendPool } from './send-pool.js';
import {
  baseHeaders,
  deliver,
  deliveryContext,
  invalidResult,
  type PreparedMessage,
  parseEndpoint,
  type SendOptions,
  type SendResult,
  subscriptionErrorResult,
} from './sender.js';

/** Options for {@link fanOut}: everything {@link sendNotification} takes, plus the knobs of the pipeline. */
export interface FanOutOptions extends SendOptions {
  /** Requests in flight at once, per fan-out. 100 by default. */
  concurrency?: number;
  /**
   * Messages encrypted ahead of the requests, so a request that finishes finds the next message ready.
   * Equal to `concurrency` by default. Memory is bounded by `concurrency + readAhead` messages.
   */
  readAhead?: number;
  /**
   * Worker threads; all cores by default. Each worker encrypts and sends with its own connection pools
   * (configured by `http`). With `client` given, requests go through that client on the calling thread and
   * the workers only encrypt. 0 does everything on the calling thread.
   */
  workers?: number;
  /** Connection pool options for the workers' own clients (e.g. `ca` for a test push service). */
  http?: PushHttpClientOptions;
  /** Called for every result, in completion order; awaited, so it can write to a file or database. */
  onResult?: (result: SendResult, subscription: PushSubscriptionJSON) => void | Promise<void>;
  /** Called every `progressIntervalMs` while running and once at the end with `finished: true`. */
  onProgress?: (progress: FanOutProgress) => void;
  /** 250 ms by default. */
  progressIntervalMs?: number;
}

/** Counts by result, and the wall time. */
export interface FanOutSummary {
  total: number;
  delivered: number;
  expired: number;
  tooLarge: number;
  rateLimited: number;
  rejected: number;
  failed: number;
  invalid: number;
  seconds: number;
}

/** A progress report: the summary so far and how many messages are in flight. */
export interface FanOutProgress extends FanOutSummary {
  inFlight: number;
  finished: boolean;
}

const COUNTER: Record<SendResult['result'], keyof Omit<FanOutSummary, 'total' | 'seconds'>> = {
  delivered: 'delivered',
  expired: 'expired',
  'too-large': 'tooLarge',
  'rate-limited': 'rateLimited',
  rejected: 'rejected',
  failed: 'failed',
  invalid: 'invalid',
};

type Encryptor = (keys: PushSubscriptionKeys) => Promise<EncryptedPayload>;

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new PushRequestError('invalid-option', `${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

// One shared cursor for all lanes. Async generators queue concurrent next() calls themselves, but an
// arbitrary AsyncIterator need not, so calls are chained.
function cursor<T>(iterator: AsyncIterator<T> | Iterator<T>): () => Promise<IteratorResult<T>> {
  let last: Promise<unknown> = Promise.resolve();
  return () => {
    const next = last.then(
      () => iterator.next(),
      () => iterator.next(),
    );
    last = next;
    return next;
  };
}

/**
 * Sends one payload to a stream of subscriptions: bounded concurrency and memory (a million subscriptions
 * read from a file are never all in memory), keep-alive pools per push-service origin, encryption on worker
 * threads, VAPID signed once per origin, a typed result per subscription.
 *
 * @throws {PushRequestError} for bad options; {PushCryptoError} when the payload is over the limit.
 * @example
 * const summary = await fanOut(readNdjson('subs.ndjson'), JSON.stringify(msg), {
 *   vapid: { keys, subject: 'mailto:ops@example.com' },
 *   onResult: (r, sub) => r.result === 'expired' ? db.delete(sub.endpoint) : undefined,
 * });
 */
export async function fanOut(
  subscriptions: AsyncIterable<PushSubscriptionJSON> | Iterable<PushSubscriptionJSON>,
  payload: Uint8Array | string | null,
  options: FanOutOptions = {},
): Promise<FanOutSummary> {
  const started = performance.now();
  const headers = baseHeaders(options);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 100, 1);
  const readAhead = positiveInteger('readAhead', options.readAhead ?? concurrency, 0);
  const threads = positiveInteger('workers', options.workers ?? availableParallelism(), 0);
  const encoding = options.encoding ?? 'aes128gcm';
  const padding = options.padding ?? 0;
  const bytes = payload === null ? null : toBytes(payload);
  if (bytes) checkPayload(bytes, padding, encoding);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const setup = { payload: bytes, encoding, padding, headers, options: { ...options, signal: abort.signal } };
  const sender =
    threads > 0 && !options.client
      ? workerSender(threads, concurrency, setup)
      : localSender(threads, concurrency, setup);
  // The caller's signal is relayed through one of our own, which every request in flight may listen on.
  const onAbort = () => {
    abort.abort(options.signal?.reason);
    sender.abort();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const summary: FanOutSummary = {
    total: 0,
    delivered: 0,
    expired: 0,
    tooLarge: 0,
    rateLimited: 0,
    rejected: 0,
    failed: 0,
    invalid: 0,
    seconds: 0,
  };
  let inFlight = 0;
  const report = (finished: boolean) => {
    summary.seconds = (performance.now() - started) / 1000;
    options.onProgress?.({ ...summary, inFlight, finished });
  };
  const timer = options.onProgress ? setInterval(() => report(false), options.progressIntervalMs ?? 250) : undefined;
  timer?.unref();

  const source =
    Symbol.asyncIterator in subscriptions
      ? subscriptions[Symbol.asyncIterator]()
      : (subscriptions as Iterable<PushSubscriptionJSON>)[Symbol.iterator]();
  const next = cursor(source);
  let stopped = false;
  // A lane waiting for input leaves as soon as the fan-out stops, even if the input never yields again. Each
  // wait registers its own wake-up and removes it when the input answers: racing every read against one
  // long-lived "stopped" promise would leave a reaction per message on it, each holding the item it read, so
  // memory would grow with the length of the input.
  const waiting = new Set<(done: IteratorResult<PushSubscriptionJSON>) => void>();
  const read = () =>
    new Promise<IteratorResult<PushSubscriptionJSON>>((resolve, reject) => {
      waiting.add(resolve);
      next().then(
        (item) => {
          waiting.delete(resolve);
          resolve(item);
        },
        (error: unknown) => {
          waiting.delete(resolve);
          reject(error);
        },
      );
    });
  const lane = async () => {
    while (!stopped) {
      const item = await read();
      if (item.done || stopped) return;
      inFlight++;
      try {
        const result = await sender.send(item.value);
        summary.total++;
        summary[COUNTER[result.result]]++;
        await options.onResult?.(result, item.value);
      } finally {
        inFlight--;
      }
    }
  };

  let failure: { error: unknown } | undefined;
  const stop = (error: unknown) => {
    failure ??= { error };
    stopped = true;
    for (const wake of waiting) wake({ done: true, value: undefined });
    waiting.clear();
  };
  try {
    await Promise.all(Array.from({ length: concurrency + readAhead }, () => lane().catch(stop)));
  } finally {
    if (timer) clearInterval(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await sender.close();
  }
  if (failure) {
    // Close the input without waiting on it: a generator stuck in an await of its own would never answer.
    try {
      Promise.resolve(source.return?.()).catch(() => undefined);
    } catch {
      // a throwing return() changes nothing: the fan-out has failed already
    }
    throw failure.error;
  }
  report(true);
  return summary;
}

/** Sends one message of a fan-out; the three ways differ in which threads encrypt and which send. */
interface Sender {
  send(subscription: PushSubscriptionJSON): Promise<SendResult>;
  abort(): void;
  close(): Promise<void>;
}

interface SenderSetup {
  payload: Uint8Array | null;
  encoding: ContentEncoding;
  padding: number;
  headers: Record<string, string>;
  options: FanOutOptions;
}

// Worker threads that each encrypt and send with their own pools: the HTTP work is spread over the cores
// too, which on a small machine is the difference between the main thread being the bottleneck or not.
function workerSender(threads: number, concurrency: number, setup: SenderSetup): Sender {
  const { options } = setup;
  const pool = new SendPool(threads, concurrency, {
    payload: setup.payload,
    encoding: setup.encoding,
    padding: setup.padding,
    headers: setup.headers,
    vapid: options.vapid,
    retry: resolveRetryPolicy(options.retry),
    timeoutMs: options.timeoutMs ?? 30_000,
    http: options.http ?? {},
  });
  return { send: (s) => pool.send(s), abort: () => pool.abort(), close: () => pool.close() };
}

// Requests from this thread through the caller's client (or the shared one); encryption on worker threads
// when `threads` > 0, inline otherwise. Each lane encrypts, then waits for one of `concurrency` request
// slots, so with more lanes than slots the next messages are already encrypted when a request finishes.
function localSender(threads: number, concurrency: number, setup: SenderSetup): Sender {
  const { payload, encoding, padding, headers, options } = setup;
  const ctx = deliveryContext(options);
  const pool = payload && threads > 0 ? new EncryptPool({ threads, payload, encoding, padding }) : undefined;
  const encryptFor: Encryptor | undefined = pool
    ? (keys) => pool.encrypt(keys)
    : payload
      ? (keys) => encrypt(payload, keys, { encoding, padding, crypto: options.crypto })
      : undefined;
  const slots = new Semaphore(concurrency);
  const send = async (subscription: PushSubscriptionJSON): Promise<SendResult> => {
    const endpoint = subscription?.endpoint;
    const url = parseEndpoint(endpoint);
    if (typeof url === 'string') return invalidResult(endpoint, 'invalid-endpoint', url);
    let message: PreparedMessage = { endpoint, url, headers, body: null };
    if (encryptFor) {
      let encrypted: EncryptedPayload;
      try {
        encrypted = await encryptFor(subscription.keys);
      } catch (error) {
        return subscriptionErrorResult(endpoint, error);
      }
      const messageHeaders = { ...headers, ...encrypted.headers, 'Content-Type': 'application/octet-stream' };
      message = { endpoint, url, headers: messageHeaders, body: encrypted.body };
    }
    await slots.acquire();
    try {
      return await deliver(message, ctx);
    } finally {
      slots.release();
    }
  };
  return { send, abort: () => undefined, close: async () => pool?.close() };
}
