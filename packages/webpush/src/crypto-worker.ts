import { parentPort } from 'node:worker_threads';
import { nodeCrypto } from './crypto-node.js';
import { type ContentEncoding, type EncryptedPayload, encrypt } from './encrypt.js';
import { PushCryptoError } from './errors.js';
import type { PushSubscriptionKeys } from './keys.js';
import { NodeWebPushSealer } from './seal-node.js';

// Worker thread side of the encryption pool: the same encrypt() as the main thread, on node:crypto. Bodies of
// a batch go back packed into one transferred ArrayBuffer, so a batch costs one copy-free message.

/** Sent once: what every message of the fan-out carries. */
export interface WorkerInit {
  type: 'init';
  payload: Uint8Array;
  encoding: ContentEncoding;
  padding: number;
}

/** A batch of subscriptions to encrypt for. */
export interface WorkerBatch {
  type: 'batch';
  id: number;
  keys: PushSubscriptionKeys[];
}

/** One batch's results, in order: a body length and headers, or an error. */
export interface WorkerBatchResult {
  type: 'batch';
  id: number;
  buffer: ArrayBuffer;
  lengths: number[];
  headers: Array<Record<string, string> | null>;
  errors: Array<{ code: string; message: string } | null>;
}

let init: WorkerInit | undefined;
// aes128gcm (the default) is sealed synchronously; the legacy aesgcm goes through encrypt().
let sealer: NodeWebPushSealer | undefined;

async function encryptOne(setup: WorkerInit, keys: PushSubscriptionKeys): Promise<EncryptedPayload> {
  if (sealer) return { body: sealer.seal(keys), headers: { 'Content-Encoding': 'aes128gcm' } };
  return encrypt(setup.payload, keys, { encoding: setup.encoding, padding: setup.padding, crypto: nodeCrypto });
}

async function encryptBatch(batch: WorkerBatch): Promise<WorkerBatchResult> {
  if (!init) throw new Error('crypto worker got a batch before init');
  const bodies: Uint8Array[] = [];
  const result: WorkerBatchResult = {
    type: 'batch',
    id: batch.id,
    buffer: new ArrayBuffer(0),
    lengths: [],
    headers: [],
    errors: [],
  };
  let total = 0;
  for (const keys of batch.keys) {
    try {
      const encrypted = await encryptOne(init, keys);
      bodies.push(encrypted.body);
      total += encrypted.body.length;
      result.lengths.push(encrypted.body.length);
      result.headers.push(encrypted.headers);
      result.errors.push(null);
    } catch (error) {
      const e = error instanceof PushCryptoError ? error : new PushCryptoError('invalid-key', String(error));
      result.lengths.push(0);
      result.headers.push(null);
      result.errors.push({ code: e.code, message: e.message });
    }
  }
  const packed = new Uint8Array(total);
  let offset = 0;
  for (const body of bodies) {
    packed.set(body, offset);
    offset += body.length;
  }
  result.buffer = packed.buffer;
  return result;
}

parentPort?.on('message', (message: WorkerInit | WorkerBatch) => {
  if (message.type === 'init') {
    init = message;
    sealer = message.encoding === 'aes128gcm' ? new NodeWebPushSealer(message.payload, message.padding) : undefined;
    return;
  }
  encryptBatch(message).then(
    (result) => parentPort?.postMessage(result, [result.buffer]),
    (error: unknown) => {
      throw error;
    },
  );
});
