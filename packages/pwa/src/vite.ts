/**
 * `@outpost/pwa/vite`: the build plugin (runs in Node inside Vite).
 * @packageDocumentation
 */
export { type OutpostPwaOptions, outpostPwa } from './build/vite-plugin.node.js';
export type { PrecacheEntry } from './caching/precache/precache-manifest.js';
export {
  type BuiltFile,
  computePrecacheManifest,
  injectPrecacheManifest,
  isPrecacheable,
  isViteHashedFile,
  type PrecacheManifestOptions,
} from './caching/precache/precache-manifest.node.js';
