import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outpostPwa } from '../src/build/vite-plugin.node.js';
import type { PrecacheEntry } from '../src/caching/precache/precache-manifest.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'outpost-pwa-vite-'));
  await mkdir(join(root, 'public'));
  await writeFile(
    join(root, 'index.html'),
    '<!doctype html><title>t</title><script type="module" src="./main.js"></script>',
  );
  await writeFile(join(root, 'main.js'), "import './style.css';\ndocument.title = 'app';\n");
  await writeFile(join(root, 'style.css'), 'body { color: red }\n');
  await writeFile(join(root, 'public', 'robots.txt'), 'User-agent: *\n');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture's TypeScript source holds a template literal.
  await writeFile(join(root, 'greet.ts'), 'export const greet = (n: number): string => `precaching ${n}`;\n');
  // The fixture worker exposes what it received so the test can run it and look.
  await writeFile(
    join(root, 'sw.ts'),
    [
      "import { greet } from './greet';",
      'declare const self: { __OUTPOST_PRECACHE_MANIFEST: unknown[]; received: unknown; label: string };',
      'self.received = self.__OUTPOST_PRECACHE_MANIFEST;',
      'self.label = greet(self.__OUTPOST_PRECACHE_MANIFEST.length);',
    ].join('\n'),
  );
  await writeFile(join(root, 'broken-sw.ts'), 'console.log("no manifest here");\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function buildApp(sw: string, outDir: string): Promise<PrecacheEntry[]> {
  let manifest: PrecacheEntry[] = [];
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [
      outpostPwa({
        sw,
        onManifest: (m) => {
          manifest = m;
        },
      }),
    ],
    build: { outDir: join(root, outDir), sourcemap: true },
  });
  return manifest;
}

describe('outpostPwa', () => {
  it('builds sw.js at the output root with the manifest of the client build and the public directory', async () => {
    const manifest = await buildApp('sw.ts', 'dist');
    const urls = manifest.map((e) => e.url);
    expect(urls).toContain('/index.html');
    expect(urls).toContain('/robots.txt');
    expect(urls.filter((u) => /^\/assets\/index-[\w-]{8}\.js$/.test(u))).toHaveLength(1);
    expect(urls.filter((u) => /^\/assets\/index-[\w-]{8}\.css$/.test(u))).toHaveLength(1);
    expect(urls.some((u) => u.endsWith('.map') || u.endsWith('sw.js'))).toBe(false);
    for (const entry of manifest) {
      expect(entry.revision === null, entry.url).toBe(entry.url.startsWith('/assets/'));
      expect(entry.integrity).toMatch(/^sha384-/);
    }

    const code = await readFile(join(root, 'dist', 'sw.js'), 'utf8');
    expect(code).not.toContain('__OUTPOST_PRECACHE_MANIFEST');
    const self: { received?: unknown; label?: string } = {};
    runInNewContext(code, { self });
    expect(self.received).toEqual(manifest);
    expect(self.label).toBe(`precaching ${manifest.length}`);
  });

  it('fails the build when the worker never reads the manifest', async () => {
    await expect(buildApp('broken-sw.ts', 'dist-broken')).rejects.toThrow(/does not reference self.__OUTPOST/);
  });
});
