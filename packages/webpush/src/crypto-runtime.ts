import type { CryptoBackend } from './crypto-backend.js';
import { webCrypto } from './crypto-web.js';

// This module names no node: module, not even in a dynamic import, so a browser bundle of the `web` entry
// never reaches one. The Node entry (index.ts) installs the node:crypto fast path through
// `installDefaultCrypto` from crypto-runtime-node.ts; everything else gets WebCrypto.
let load: () => Promise<CryptoBackend> = () => Promise.resolve(webCrypto);
let chosen: Promise<CryptoBackend> | undefined;

/** Replaces how the default backend is found; for the Node entry, which knows a faster one. */
export function installDefaultCrypto(loader: () => Promise<CryptoBackend>): void {
  load = loader;
  chosen = undefined;
}

/**
 * The backend the public functions use when none is passed: node:crypto on Node (and Bun) when the package
 * is loaded through its main entry, WebCrypto through `@outpost/webpush/web` and everywhere else.
 */
export function defaultCryptoBackend(): Promise<CryptoBackend> {
  chosen ??= load();
  return chosen;
}

/** The backend from options if given, the runtime's default otherwise. */
export function resolveCrypto(backend?: CryptoBackend): Promise<CryptoBackend> {
  return backend ? Promise.resolve(backend) : defaultCryptoBackend();
}
