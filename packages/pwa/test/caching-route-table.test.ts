import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RouteRequestInfo, RouteTable } from '../src/caching/routing/route-table.js';

const ORIGIN = 'https://app.example';

function info(url: string, init: Partial<Omit<RouteRequestInfo, 'url'>> = {}): RouteRequestInfo {
  const parsed = new URL(url, ORIGIN);
  return {
    url: parsed,
    href: parsed.href,
    origin: parsed.origin,
    pathname: parsed.pathname,
    method: 'GET',
    mode: 'cors',
    destination: '',
    sameOrigin: parsed.origin === ORIGIN,
    ...init,
  };
}

describe('RouteTable', () => {
  it('first match wins, in registration order', () => {
    const table = new RouteTable<string>()
      .register('/api/special', 'special')
      .register('/api/*', 'api')
      .register('/api/special', 'late');
    expect(table.match(info('/api/special'))?.handler).toBe('special');
    expect(table.match(info('/api/other'))?.handler).toBe('api');
    expect(table.match(info('/elsewhere'))).toBeUndefined();
  });

  it('matches the method; * takes any method', () => {
    const table = new RouteTable<string>().register('/api/items', 'post', 'POST').register('/api/items', 'any', '*');
    expect(table.match(info('/api/items', { method: 'POST' }))?.handler).toBe('post');
    expect(table.match(info('/api/items', { method: 'DELETE' }))?.handler).toBe('any');
    expect(table.match(info('/api/items'))?.handler).toBe('any');
  });

  it('path strings only match the own origin; URL strings name their origin', () => {
    const table = new RouteTable<string>().register('/lib/*', 'own').register('https://cdn.example/lib/:file', 'cdn');
    expect(table.match(info('https://cdn.example/lib/a.js'))).toEqual({ handler: 'cdn', params: { file: 'a.js' } });
    expect(table.match(info('/lib/a.js'))?.handler).toBe('own');
    expect(table.match(info('https://evil.example/lib/a.js'))).toBeUndefined();
  });

  it('a RegExp matches other origins only from the start of the URL and returns named groups', () => {
    const table = new RouteTable<string>()
      .register(/\.png$/, 'png')
      .register(/^https:\/\/img\.example\/(?<name>[^/]+)\.jpg$/, 'jpg');
    expect(table.match(info('/a/b.png'))?.handler).toBe('png');
    expect(table.match(info('https://other.example/b.png'))).toBeUndefined();
    expect(table.match(info('https://img.example/cat.jpg'))).toEqual({ handler: 'jpg', params: { name: 'cat' } });
  });

  it('a global RegExp gives the same answer on every call', () => {
    const table = new RouteTable<string>().register(/\/g\//g, 'g');
    for (let i = 0; i < 3; i++) expect(table.match(info('/g/x'))?.handler).toBe('g');
  });

  it('function matchers may return parameters', () => {
    const table = new RouteTable<string>().register(
      ({ url }) => (url.searchParams.has('q') ? { q: url.searchParams.get('q') ?? '' } : false),
      'search',
    );
    expect(table.match(info('/find?q=x'))).toEqual({ handler: 'search', params: { q: 'x' } });
    expect(table.match(info('/find'))).toBeUndefined();
  });

  it('navigation routes take navigations only, filtered by allow and deny lists on path + query', () => {
    const table = new RouteTable<string>().navigation('pages', {
      allowlist: [/^\/app\//],
      denylist: [/^\/app\/admin\//, /[?&]raw=1/],
    });
    expect(table.match(info('/app/home', { mode: 'navigate' }))?.handler).toBe('pages');
    expect(table.match(info('/app/home'))).toBeUndefined();
    expect(table.match(info('/other', { mode: 'navigate' }))).toBeUndefined();
    expect(table.match(info('/app/admin/x', { mode: 'navigate' }))).toBeUndefined();
    expect(table.match(info('/app/x?raw=1', { mode: 'navigate' }))).toBeUndefined();
    expect(table.match(info('/app/home', { mode: 'navigate', method: 'POST' }))).toBeUndefined();
  });

  it('global RegExps in allow and deny lists give the same answer on every call', () => {
    const table = new RouteTable<string>().navigation('pages', { allowlist: [/^\/app\//g], denylist: [/admin/g] });
    for (let i = 0; i < 3; i++) {
      expect(table.match(info('/app/home', { mode: 'navigate' }))?.handler).toBe('pages');
      expect(table.match(info('/app/admin', { mode: 'navigate' }))).toBeUndefined();
    }
  });

  it('property: with 50 distinct literal routes, each path goes to its own route', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,10}$/), { minLength: 1, maxLength: 50 }), (names) => {
        const table = new RouteTable<number>();
        for (const [i, name] of names.entries()) table.register(`/r/${name}/:id`, i);
        names.forEach((name, i) => {
          expect(table.match(info(`/r/${name}/7`))).toEqual({ handler: i, params: { id: '7' } });
        });
      }),
    );
  });
});
