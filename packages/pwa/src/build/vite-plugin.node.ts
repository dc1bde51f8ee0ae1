import { readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { build, type Plugin, type ResolvedConfig, type Rolldown } from 'vite';
import { MANIFEST_PLACEHOLDER, type PrecacheEntry } from '../caching/precache/precache-manifest.js';
import {
  type BuiltFile,
  computePrecacheManifest,
  injectPrecacheManifest,
  isViteHashedFile,
  type PrecacheManifestOptions,
} from '../caching/precache/precache-manifest.node.js';

/** Options for {@link outpostPwa}. */
export interface OutpostPwaOptions {
  /** The service worker's TypeScript (or JavaScript) entry, relative to Vite's `root` or absolute. */
  sw: string;
  /** Output file name at the root of the build output. Default `sw.js`. */
  fileName?: string;
  /**
   * `iife` (default) runs in every browser as a classic worker; `es` needs `register(url, { type: 'module' })`.
   */
  format?: 'iife' | 'es';
  /** Which output files to precache; see {@link PrecacheManifestOptions.include}. */
  include?: (fileName: string) => boolean;
  /** Which files are content-hashed; see {@link PrecacheManifestOptions.hashed}. */
  hashed?: (fileName: string) => boolean;
  /** Add Subresource Integrity to each entry. Default true. */
  integrity?: boolean;
  /** Called with the manifest after the service worker is written (for logging or tests). */
  onManifest?: (manifest: PrecacheEntry[]) => void;
}

/**
 * A Vite plugin that builds the service worker after the app: it computes the precache manifest from the
 * client bundle (plus the public directory), bundles `sw` as a separate self-contained script, replaces
 * `self.__OUTPOST_PRECACHE_MANIFEST` in it with the manifest and writes it to `<outDir>/sw.js`.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { outpostPwa } from '@outpost/pwa/vite';
 * export default defineConfig({ plugins: [outpostPwa({ sw: 'src/sw.ts' })] });
 * ```
 */
export function outpostPwa(options: OutpostPwaOptions): Plugin {
  const fileName = options.fileName ?? 'sw.js';
  let config: ResolvedConfig;

  return {
    name: 'outpost-pwa',
    apply: 'build',
    applyToEnvironment: (environment) => environment.name === 'client',
    configResolved(resolved) {
      config = resolved;
    },
    async writeBundle(output, bundle) {
      const outDir = output.dir ?? resolve(config.root, config.build.outDir);
      const files = [...bundleFiles(bundle, fileName), ...(await publicFiles(config.publicDir, fileName))];
      const manifestOptions: PrecacheManifestOptions = { base: config.base, integrity: options.integrity ?? true };
      if (options.include) manifestOptions.include = options.include;
      manifestOptions.hashed = options.hashed ?? ((name) => isViteHashedFile(name, config.build.assetsDir));
      const manifest = computePrecacheManifest(files, manifestOptions);

      const code = await buildServiceWorker(config, resolve(config.root, options.sw), options.format ?? 'iife');
      await writeFile(join(outDir, fileName), injectPrecacheManifest(code, MANIFEST_PLACEHOLDER, manifest));
      options.onManifest?.(manifest);
      config.logger.info(`outpost-pwa: ${fileName} with ${manifest.length} precached files`);
    },
  };
}

function bundleFiles(bundle: Rolldown.OutputBundle, swFileName: string): BuiltFile[] {
  return Object.values(bundle)
    .filter((item) => item.fileName !== swFileName)
    .map((item) => ({ fileName: item.fileName, content: item.type === 'chunk' ? item.code : item.source }));
}

/** Vite copies the public directory verbatim; its files are part of the app but not of the bundle. */
async function publicFiles(publicDir: string, swFileName: string): Promise<BuiltFile[]> {
  if (!publicDir) return [];
  let names: string[];
  try {
    names = await readdir(publicDir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: BuiltFile[] = [];
  for (const name of names) {
    const path = join(publicDir, name);
    const content = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EISDIR') return undefined;
      throw error;
    });
    const fileName = relative(publicDir, path).split(sep).join('/');
    if (content && fileName !== swFileName) files.push({ fileName, content });
  }
  return files;
}

async function buildServiceWorker(config: ResolvedConfig, entry: string, format: 'iife' | 'es'): Promise<string> {
  if (!isAbsolute(entry)) throw new Error(`outpost-pwa: cannot resolve the service worker entry ${entry}`);
  const result = await build({
    configFile: false,
    root: config.root,
    mode: config.mode,
    logLevel: 'warn',
    publicDir: false,
    // The worker sees the app's aliases, conditions and defines, so shared modules resolve the same way.
    resolve: { alias: config.resolve.alias, conditions: config.resolve.conditions },
    define: {
      'process.env.NODE_ENV': JSON.stringify(config.isProduction ? 'production' : 'development'),
      ...config.define,
    },
    build: {
      write: false,
      emptyOutDir: false,
      copyPublicDir: false,
      minify: config.build.minify,
      sourcemap: false,
      lib: { entry, formats: [format], name: 'outpostServiceWorker', fileName: () => 'sw.js' },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if (!('output' in out)) continue;
    const chunk = out.output.find((item) => item.type === 'chunk' && item.isEntry);
    if (chunk && chunk.type === 'chunk') return chunk.code;
  }
  throw new Error('outpost-pwa: the service worker build produced no entry chunk');
}
