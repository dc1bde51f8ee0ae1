import type { CryptoBackend } from '../src/crypto-backend.js';
import { nodeCrypto } from '../src/crypto-node.js';
import { webCrypto } from '../src/crypto-web.js';

/** Both crypto paths; every protocol test runs once per path. */
export const backends: Array<[string, CryptoBackend]> = [
  ['node:crypto', nodeCrypto],
  ['WebCrypto', webCrypto],
];
