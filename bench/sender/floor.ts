// The raw crypto floor: one message's encryption with nothing else, on the fastest node:crypto primitives:
// a fresh ECDH key pair and shared secret (one reused ECDH object, as our sender does), the RFC 8291/8188
// HKDFs as five HMACs, and AES-128-GCM. Run in as many threads as there are cores, no sender can beat it.
import { createCipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { tsWorker } from './ts-worker.js';

const INFO = Buffer.from('WebPush: info\0');
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0\x01');
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0\x01');
const ONE = Buffer.from([1]);

/** Encrypts `count` messages for the given user agent keys; returns messages per second. */
export function floorLoop(uaPublics: Buffer[], auth: Buffer, payload: Buffer, count: number): number {
  const record = Buffer.concat([payload, Buffer.from([2])]);
  const ecdh = createECDH('prime256v1');
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const uaPublic = uaPublics[i % uaPublics.length];
    if (uaPublic === undefined) throw new Error('floorLoop needs at least one user agent key');
    const asPublic = ecdh.generateKeys();
    const secret = ecdh.computeSecret(uaPublic);
    const prkKey = createHmac('sha256', auth).update(secret).digest();
    const ikm = createHmac('sha256', prkKey).update(INFO).update(uaPublic).update(asPublic).update(ONE).digest();
    const salt = randomBytes(16);
    const prk = createHmac('sha256', salt).update(ikm).digest();
    const key = createHmac('sha256', prk).update(CEK_INFO).digest().subarray(0, 16);
    const nonce = createHmac('sha256', prk).update(NONCE_INFO).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-128-gcm', key, nonce);
    Buffer.concat([cipher.update(record), cipher.final(), cipher.getAuthTag()]);
  }
  return count / ((performance.now() - started) / 1000);
}

/** Runs the floor loop in `threads` worker threads at once; returns their combined messages per second. */
export async function floorOnThreads(
  threads: number,
  uaPublics: Buffer[],
  auth: Buffer,
  payload: Buffer,
  count: number,
): Promise<number> {
  const per = Math.ceil(count / threads);
  const workers = Array.from({ length: threads }, () =>
    tsWorker(new URL(import.meta.url), { uaPublics, auth, payload, count: per }),
  );
  // Time from when every thread has started, so thread start-up is not counted against the floor.
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const started = performance.now();
  for (const w of workers) w.postMessage('go');
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return (per * threads) / seconds;
}

if (!isMainThread && workerData) {
  const { uaPublics, auth, payload, count } = workerData as {
    uaPublics: Uint8Array[];
    auth: Uint8Array;
    payload: Uint8Array;
    count: number;
  };
  const publics = uaPublics.map((u) => Buffer.from(u));
  parentPort?.postMessage('ready');
  parentPort?.once('message', () => {
    parentPort?.postMessage(floorLoop(publics, Buffer.from(auth), Buffer.from(payload), count));
  });
}
