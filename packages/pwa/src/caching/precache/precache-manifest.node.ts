import { createHash } from 'node:crypto';
import type { PrecacheEntry } from './precache-manifest.js';

/** One file of a build output, as the bundler or the public directory gives it. */
export interface BuiltFile {
  /** Path relative to the output directory, with `/` separators (`assets/index-3f9a1c2b.js`). */
  fileName: string;
  content: string | Uint8Array;
}

/** Options for {@link computePrecacheManifest}. */
export interface PrecacheManifestOptions {
  /** The public base path the app is served under (Vite's `base`). Default `/`. */
  base?: string;
  /**
   * Files whose name already changes with their content; they get `revision: null`. Default
   * {@link isViteHashedFile}.
   */
  hashed?: (fileName: string) => boolean;
  /** Which files to precache. Default: everything except source maps, dotfiles and `.vite/` metadata. */
  include?: (fileName: string) => boolean;
  /** Add Subresource Integrity (sha384) to each entry so the service worker rejects a corrupted download. */
  integrity?: boolean;
}

/**
 * Vite's default output names: `assets/[name]-[hash][extname]`, the hash being 8 base64url characters. A word
 * such as `-componen.js` also has that shape, so the hash must contain a digit or a capital letter too: a
 * false "hashed" would serve a stale file forever, a false "not hashed" only costs a revision in the cache key.
 */
export function isViteHashedFile(fileName: string, assetsDir = 'assets'): boolean {
  if (!fileName.startsWith(`${assetsDir}/`)) return false;
  const hash = /-([\w-]{8})\.[A-Za-z0-9]+$/.exec(fileName)?.[1];
  return hash !== undefined && /[A-Z0-9]/.test(hash);
}

/** The default precache filter: no source maps, no dotfiles, no Vite metadata. */
export function isPrecacheable(fileName: string): boolean {
  if (fileName.endsWith('.map')) return false;
  return !fileName.split('/').some((part) => part.startsWith('.'));
}

/**
 * Turns a build's files into a precache manifest: one entry per included file, URL = base + file name, revision
 * null for hashed files and otherwise the first 16 hex digits of the SHA-256 of the content. Sorted by URL, so
 * the same build always gives the same manifest (and the same cache version).
 *
 * @example
 * ```ts
 * computePrecacheManifest([{ fileName: 'index.html', content: html }], { base: '/' });
 * // [{ url: '/index.html', revision: '9b74c9897bac770f' }]
 * ```
 */
export function computePrecacheManifest(
  files: readonly BuiltFile[],
  options: PrecacheManifestOptions = {},
): PrecacheEntry[] {
  const base = normaliseBase(options.base ?? '/');
  const hashed = options.hashed ?? ((name: string) => isViteHashedFile(name));
  const include = options.include ?? isPrecacheable;
  const entries: PrecacheEntry[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const fileName = file.fileName.replace(/\\/g, '/').replace(/^\/+/, '');
    if (!include(fileName) || seen.has(fileName)) continue;
    seen.add(fileName);
    const entry: PrecacheEntry = {
      url: base + fileName.split('/').map(encodeURIComponent).join('/'),
      revision: hashed(fileName) ? null : digest('sha256', file.content, 'hex').slice(0, 16),
    };
    if (options.integrity) entry.integrity = `sha384-${digest('sha384', file.content, 'base64')}`;
    entries.push(entry);
  }
  return entries.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

function normaliseBase(base: string): string {
  // Vite allows '' and './' for relative deployment; URLs relative to the service worker then work as-is.
  if (base === '' || base === './') return '';
  return base.endsWith('/') ? base : `${base}/`;
}

function digest(algorithm: string, content: string | Uint8Array, encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(content).digest(encoding);
}

/**
 * Replaces the manifest placeholder in a built service worker with the manifest. Throws when the placeholder is
 * missing, because a service worker without its manifest would silently precache nothing.
 */
export function injectPrecacheManifest(code: string, placeholder: string, manifest: readonly PrecacheEntry[]): string {
  if (!code.includes(placeholder)) {
    throw new Error(
      `the service worker does not reference ${placeholder}; pass it to precacheAndRoute() so the manifest can be injected`,
    );
  }
  const json = JSON.stringify(manifest);
  return code.split(placeholder).join(json);
}
