import type { CryptoBackend } from './crypto-backend.js';
import { installDefaultCrypto } from './crypto-runtime.js';
import { webCrypto } from './crypto-web.js';

// Imported for its effect by the Node entry (index.ts) only: makes node:crypto the default backend where it
// exists. Kept out of crypto-runtime.ts so the browser entry cannot reach a node: import.

function hasNodeCrypto(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  // Deno also exposes `process`, but its node:crypto ECDH is a compatibility shim, not a fast path.
  return typeof g.process?.versions?.node === 'string' && g.Deno === undefined;
}

installDefaultCrypto(
  (): Promise<CryptoBackend> =>
    hasNodeCrypto()
      ? import('./crypto-node.js').then(
          (m) => m.nodeCrypto,
          () => webCrypto,
        )
      : Promise.resolve(webCrypto),
);
