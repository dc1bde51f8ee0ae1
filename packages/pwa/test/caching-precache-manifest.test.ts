import { describe, expect, it } from 'vitest';
import {
  cacheKeyFor,
  MANIFEST_PLACEHOLDER,
  manifestVersion,
  PrecacheManifestError,
  resolvePrecacheManifest,
} from '../src/caching/precache/precache-manifest.js';
import {
  computePrecacheManifest,
  injectPrecacheManifest,
  isPrecacheable,
  isViteHashedFile,
} from '../src/caching/precache/precache-manifest.node.js';

describe('computePrecacheManifest', () => {
  const files = [
    { fileName: 'index.html', content: '<!doctype html><title>a</title>' },
    { fileName: 'assets/index-BqT4x3Kz.js', content: 'console.log(1)' },
    { fileName: 'assets/index-BqT4x3Kz.js.map', content: '{}' },
    { fileName: 'assets/style-D_9-aZ01.css', content: 'a{}' },
    { fileName: 'icons/icon-192.png', content: new Uint8Array([137, 80, 78, 71]) },
    { fileName: '.vite/manifest.json', content: '{}' },
    { fileName: 'manifest.webmanifest', content: '{"name":"x"}' },
  ];

  it('gives hashed files revision null and others a content hash, sorted by URL', () => {
    const manifest = computePrecacheManifest(files);
    expect(manifest.map((e) => e.url)).toEqual([
      '/assets/index-BqT4x3Kz.js',
      '/assets/style-D_9-aZ01.css',
      '/icons/icon-192.png',
      '/index.html',
      '/manifest.webmanifest',
    ]);
    expect(manifest.find((e) => e.url === '/assets/index-BqT4x3Kz.js')?.revision).toBeNull();
    // sha256('<!doctype html><title>a</title>'), first 16 hex digits
    expect(manifest.find((e) => e.url === '/index.html')?.revision).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes a revision exactly when the content changes', () => {
    const before = computePrecacheManifest(files);
    const after = computePrecacheManifest(
      files.map((f) => (f.fileName === 'manifest.webmanifest' ? { ...f, content: '{"name":"y"}' } : f)),
    );
    const changed = after.filter((entry, i) => entry.revision !== before[i]?.revision).map((e) => e.url);
    expect(changed).toEqual(['/manifest.webmanifest']);
  });

  it('is the same for strings and their bytes', () => {
    const text = computePrecacheManifest([{ fileName: 'a.txt', content: 'héllo' }]);
    const bytes = computePrecacheManifest([{ fileName: 'a.txt', content: new TextEncoder().encode('héllo') }]);
    expect(bytes).toEqual(text);
  });

  it('prefixes the base and encodes file names', () => {
    const manifest = computePrecacheManifest([{ fileName: 'img/a b.png', content: 'x' }], { base: '/app' });
    expect(manifest[0]?.url).toBe('/app/img/a%20b.png');
    expect(computePrecacheManifest([{ fileName: 'a.js', content: 'x' }], { base: './' })[0]?.url).toBe('a.js');
  });

  it('adds sha384 integrity when asked', () => {
    const [entry] = computePrecacheManifest([{ fileName: 'a.js', content: '' }], { integrity: true });
    expect(entry?.integrity).toBe('sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb');
  });

  it('honours custom include and hashed rules', () => {
    const manifest = computePrecacheManifest(files, {
      include: (name) => name.endsWith('.html'),
      hashed: () => true,
    });
    expect(manifest).toEqual([{ url: '/index.html', revision: null }]);
  });
});

describe('file name rules', () => {
  it('recognises Vite hashed assets only inside the assets directory', () => {
    expect(isViteHashedFile('assets/index-BqT4x3Kz.js')).toBe(true);
    expect(isViteHashedFile('assets/logo-a_b-C3d4.svg')).toBe(true);
    expect(isViteHashedFile('assets/my-component.js')).toBe(false);
    expect(isViteHashedFile('icons/icon-BqT4x3Kz.png')).toBe(false);
    expect(isViteHashedFile('static/index-BqT4x3Kz.js', 'static')).toBe(true);
  });

  it('leaves out source maps, dotfiles and Vite metadata', () => {
    expect(isPrecacheable('assets/a.js')).toBe(true);
    expect(isPrecacheable('assets/a.js.map')).toBe(false);
    expect(isPrecacheable('.vite/manifest.json')).toBe(false);
    expect(isPrecacheable('.well-known/x')).toBe(false);
  });
});

describe('injectPrecacheManifest', () => {
  it('replaces every occurrence of the placeholder with the JSON manifest', () => {
    const code = `(()=>{go(${MANIFEST_PLACEHOLDER},{})})();`;
    const out = injectPrecacheManifest(code, MANIFEST_PLACEHOLDER, [{ url: '/a', revision: null }]);
    expect(out).toBe('(()=>{go([{"url":"/a","revision":null}],{})})();');
  });

  it('refuses a service worker without the placeholder', () => {
    expect(() => injectPrecacheManifest('go([])', MANIFEST_PLACEHOLDER, [])).toThrow(/does not reference/);
  });
});

describe('resolvePrecacheManifest', () => {
  const base = 'https://app.example/sw.js';

  it('resolves URLs against the base, drops fragments and puts revisions in the cache key', () => {
    expect(
      resolvePrecacheManifest(
        [
          { url: '/index.html#top', revision: 'abc' },
          { url: 'assets/a-12345678.js', revision: null, integrity: 'sha384-x' },
        ],
        base,
      ),
    ).toEqual([
      {
        url: 'https://app.example/index.html',
        cacheKey: 'https://app.example/index.html?__outpost_revision=abc',
        revision: 'abc',
      },
      {
        url: 'https://app.example/assets/a-12345678.js',
        cacheKey: 'https://app.example/assets/a-12345678.js',
        revision: null,
        integrity: 'sha384-x',
      },
    ]);
  });

  it('keeps an existing query string in the cache key', () => {
    expect(cacheKeyFor('https://a.example/x?v=1', 'r')).toBe('https://a.example/x?v=1&__outpost_revision=r');
  });

  it('rejects entries it cannot serve, with the entry attached', () => {
    const bad: unknown[] = [
      '/index.html',
      null,
      { revision: 'a' },
      { url: '/a', revision: '' },
      { url: '/a' },
      { url: '/a', revision: 'x', integrity: 5 },
    ];
    for (const entry of bad) {
      const error = catchError(() => resolvePrecacheManifest([entry], base));
      expect(error).toBeInstanceOf(PrecacheManifestError);
      expect((error as PrecacheManifestError).entry).toBe(entry);
    }
  });

  it('rejects one URL with two revisions but accepts an exact duplicate', () => {
    expect(() =>
      resolvePrecacheManifest(
        [
          { url: '/a', revision: '1' },
          { url: '/a', revision: '2' },
        ],
        base,
      ),
    ).toThrow(/listed twice/);
    expect(
      resolvePrecacheManifest(
        [
          { url: '/a', revision: '1' },
          { url: '/a#x', revision: '1' },
        ],
        base,
      ),
    ).toHaveLength(1);
  });
});

describe('manifestVersion', () => {
  const resolve = (entries: { url: string; revision: string | null }[]) =>
    resolvePrecacheManifest(entries, 'https://a.example/');

  it('ignores order and changes with any revision', () => {
    const a = resolve([
      { url: '/a', revision: '1' },
      { url: '/b', revision: null },
    ]);
    const reordered = resolve([
      { url: '/b', revision: null },
      { url: '/a', revision: '1' },
    ]);
    const changed = resolve([
      { url: '/a', revision: '2' },
      { url: '/b', revision: null },
    ]);
    expect(manifestVersion(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(manifestVersion(reordered)).toBe(manifestVersion(a));
    expect(manifestVersion(changed)).not.toBe(manifestVersion(a));
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
