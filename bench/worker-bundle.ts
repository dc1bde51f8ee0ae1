// How every bench (and the size-budget test) builds a service worker: one esbuild configuration, so a size or
// speed figure always describes the same kind of bundle.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Bundles a worker entry as an IIFE for ES2022 from the packages' TypeScript sources (`@outpost/source`), with
 * `NODE_ENV=production` (so Workbox drops its development code, as in a production build) plus `define`.
 *
 * @example
 * ```ts
 * const code = await bundleWorker('bench/sw/workers/ours-typical.js', { BENCH_MANIFEST: '[]' });
 * ```
 */
export async function bundleWorker(entry: string, define: Record<string, string> = {}, minify = true): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify,
    write: false,
    conditions: ['@outpost/source'],
    define: { 'process.env.NODE_ENV': '"production"', ...define },
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Gzip bytes at level 9, the size figure every bench reports. */
export function gzipBytes(code: string): number {
  return gzipSync(code, { level: 9 }).length;
}
