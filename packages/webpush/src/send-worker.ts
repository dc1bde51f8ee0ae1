import { setMaxListeners } from 'node:events';
import { parentPort } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';
import { type ContentEncoding, encrypt } from './encrypt.js';
import { PushHttpClient, type PushHttpClientOptions } from './http-client.js';
import type { PushSubscriptionJSON } from './keys.js';
import type { ResolvedRetryPolicy } from './retry.js';
import { NodeWebPushSealer } from './seal-node.js';
import { Semaphore } from './semaphore.js';
import {
  type DeliveryContext,
  deliver,
  invalidResult,
  type PreparedMessage,
  parseEndpoint,
  type SendResult,
  subscriptionErrorResult,
  type VapidDetails,
} from './sender.js';

// Worker thread side of the send pool: each thread encrypts AND sends with its own connection pools, so the
// HTTP work (TLS, framing, parsing) is spread over the cores like the crypto, not funnelled through one
// thread. Results go back in small batches, one per event-loop turn.

/** Everything a send worker needs, sent once. Options are validated on the main thread first. */
export interface SendWorkerInit {
  type: 'init';
  payload: Uint8Array | null;
  encoding: ContentEncoding;
  padding: number;
  headers: Record<string, string>;
  vapid?: VapidDetails;
  retry: ResolvedRetryPolicy;
  timeoutMs: number;
  http: PushHttpClientOptions;
  /** Requests this worker may have in flight. */
  slots: number;
}

/** Subscriptions to send to, each with the main thread's job id. */
export interface SendWorkerBatch {
  type: 'batch';
  jobs: Array<{ id: number; subscription: PushSubscriptionJSON }>;
}

/**
 * Finished jobs. Delivered ones, nearly all of a fan-out, travel as columns (the main thread has each job's
 * endpoint already), which clone far cheaper than an object per message; any other result or an error as
 * an item.
 */
export interface SendWorkerReply {
  type: 'done';
  delivered: { ids: number[]; statuses: number[]; attempts: number[]; locations: Array<string | null> };
  items: Array<{ id: number; result?: SendResult; error?: { name: string; message: string } }>;
}

type Control = { type: 'abort' } | { type: 'close' };

let init: SendWorkerInit | undefined;
let ctx: DeliveryContext | undefined;
let slots: Semaphore | undefined;
// aes128gcm (the default) is sealed synchronously; the legacy aesgcm goes through encrypt().
let sealer: NodeWebPushSealer | undefined;
// The headers of every encrypted aes128gcm message, made once.
let sealedHeaders: Record<string, string> = {};
const abort = new AbortController();
// Every request in flight listens on this one signal.
setMaxListeners(0, abort.signal);
const emptyReply = (): SendWorkerReply => ({
  type: 'done',
  delivered: { ids: [], statuses: [], attempts: [], locations: [] },
  items: [],
});
let pending = emptyReply();
let flushScheduled = false;

function flushSoon(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    const message = pending;
    pending = emptyReply();
    parentPort?.postMessage(message);
  });
}

function reply(item: SendWorkerReply['items'][number]): void {
  const result = item.result;
  if (result?.result === 'delivered') {
    const { delivered } = pending;
    delivered.ids.push(item.id);
    delivered.statuses.push(result.status);
    delivered.attempts.push(result.attempts);
    delivered.locations.push(result.location ?? null);
  } else {
    pending.items.push(item);
  }
  flushSoon();
}

async function sendOne(subscription: PushSubscriptionJSON): Promise<SendResult> {
  if (!init || !ctx || !slots) throw new Error('send worker got a batch before init');
  const endpoint = subscription?.endpoint;
  const url = parseEndpoint(endpoint);
  if (typeof url === 'string') return invalidResult(endpoint, 'invalid-endpoint', url);
  let message: PreparedMessage = { endpoint, url, headers: init.headers, body: null };
  if (sealer) {
    try {
      message = { endpoint, url, headers: sealedHeaders, body: sealer.seal(subscription.keys) };
    } catch (error) {
      return subscriptionErrorResult(endpoint, error);
    }
  } else if (init.payload) {
    try {
      const encrypted = await encrypt(init.payload, subscription.keys, {
        encoding: init.encoding,
        padding: init.padding,
        crypto: nodeCrypto,
      });
      const headers = { ...init.headers, ...encrypted.headers, 'Content-Type': 'application/octet-stream' };
      message = { endpoint, url, headers, body: encrypted.body };
    } catch (error) {
      return subscriptionErrorResult(endpoint, error);
    }
  }
  await slots.acquire();
  try {
    return await deliver(message, ctx);
  } finally {
    slots.release();
  }
}

parentPort?.on('message', (message: SendWorkerInit | SendWorkerBatch | Control) => {
  switch (message.type) {
    case 'init':
      init = message;
      slots = new Semaphore(message.slots);
      if (message.payload && message.encoding === 'aes128gcm') {
        sealer = new NodeWebPushSealer(message.payload, message.padding);
        sealedHeaders = {
          ...message.headers,
          'Content-Encoding': 'aes128gcm',
          'Content-Type': 'application/octet-stream',
        };
      }
      ctx = {
        client: new PushHttpClient(message.http),
        retry: message.retry,
        timeoutMs: message.timeoutMs,
        vapid: message.vapid,
        encoding: message.encoding,
        signal: abort.signal,
        crypto: nodeCrypto,
      };
      return;
    case 'batch':
      for (const { id, subscription } of message.jobs) {
        sendOne(subscription).then(
          (result) => reply({ id, result }),
          (error: Error) =>
            reply({ id, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) } }),
        );
      }
      return;
    case 'abort':
      abort.abort();
      return;
    case 'close':
      (ctx?.client.close() ?? Promise.resolve()).finally(() => parentPort?.postMessage({ type: 'closed' }));
      return;
  }
});
