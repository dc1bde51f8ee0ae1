import type { CryptoBackend } from './crypto-backend.js';
import { webCrypto } from './crypto-web.js';

let chosen: Promise<CryptoBackend> | undefined;

function hasNodeCrypto(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  // Deno also exposes `process`, but its node:crypto ECDH is a compatibility shim, not a fast path.
  return typeof g.process?.versions?.node === 'string' && g.Deno === undefined;
}

/**
 * The backend the public functions use when none is passed: node:crypto on Node (and Bun), WebCrypto
 * elsewhere. The Node module is imported lazily so bundles for browsers never execute it.
 */
export function defaultCryptoBackend(): Promise<CryptoBackend> {
  chosen ??= hasNodeCrypto()
    ? import('./crypto-node.js').then(
        (m) => m.nodeCrypto,
        () => webCrypto,
      )
    : Promise.resolve(webCrypto);
  return chosen;
}

/** The backend from options if given, the runtime's default otherwise. */
export function resolveCrypto(backend?: CryptoBackend): Promise<CryptoBackend> {
  return backend ? Promise.resolve(backend) : defaultCryptoBackend();
}
