import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles a fixture's script for the browser: one IIFE built from the workspace packages' TypeScript sources
 * (`@outpost/source`), so no package build is needed before a browser test.
 *
 * @example
 * ```ts
 * const sw = await bundleFixtureScript(new URL('./test-sw.js', import.meta.url));
 * ```
 */
export async function bundleFixtureScript(entry: URL): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    conditions: ['@outpost/source'],
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

/**
 * Bundles a fixture's `test-sw.js` and `test-page.ts` (in `dir`) and checks that the worker kept the identifier
 * the test server replaces with its precache manifest.
 */
export async function bundleWorkerAndPage(dir: URL, manifestGlobal: string): Promise<{ sw: string; page: string }> {
  const [sw, page] = await Promise.all([
    bundleFixtureScript(new URL('test-sw.js', dir)),
    bundleFixtureScript(new URL('test-page.ts', dir)),
  ]);
  if (!sw.includes(manifestGlobal)) throw new Error(`the test worker bundle lost ${manifestGlobal}`);
  return { sw, page };
}
