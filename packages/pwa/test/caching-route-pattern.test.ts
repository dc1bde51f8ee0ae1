import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePathPattern, matchPath, RoutePatternError } from '../src/caching/routing/route-pattern.js';

const literal = fc.stringMatching(/^[a-z0-9._~-]{1,8}$/);
const value = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);

describe('compilePathPattern / matchPath', () => {
  it('extracts named parameters and the rest of the path', () => {
    const pattern = compilePathPattern('/api/users/:id/*');
    expect(matchPath(pattern, '/api/users/42/posts/7')).toEqual({ id: '42', '*': 'posts/7' });
    expect(matchPath(pattern, '/api/users/42/')).toEqual({ id: '42', '*': '' });
    expect(matchPath(pattern, '/api/users//posts')).toBeNull();
    expect(matchPath(pattern, '/api/users/42')).toBeNull();
  });

  it('matches the whole path and treats RegExp characters literally', () => {
    const pattern = compilePathPattern('/a.b/(c)');
    expect(matchPath(pattern, '/a.b/(c)')).toEqual({});
    expect(matchPath(pattern, '/aXb/(c)')).toBeNull();
    expect(matchPath(pattern, '/a.b/(c)/more')).toBeNull();
    expect(matchPath(compilePathPattern('/'), '/x')).toBeNull();
  });

  it('decodes parameters and keeps malformed percent-encoding as is', () => {
    const pattern = compilePathPattern('/files/:name');
    expect(matchPath(pattern, '/files/a%20b')).toEqual({ name: 'a b' });
    expect(matchPath(pattern, '/files/100%')).toEqual({ name: '100%' });
  });

  it('names later stars *1, *2', () => {
    expect(matchPath(compilePathPattern('/*/x/*'), '/a/b/x/c')).toEqual({ '*': 'a/b', '*1': 'c' });
  });

  it('a parameter named __proto__ is an own property, not the prototype', () => {
    const params = matchPath(compilePathPattern('/:__proto__'), '/x');
    expect(Object.hasOwn(params ?? {}, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
  });

  it('rejects patterns without a leading slash and duplicate parameter names', () => {
    expect(() => compilePathPattern('api/:id')).toThrow(RoutePatternError);
    expect(() => compilePathPattern('/:id/:id')).toThrow(/appears twice/);
  });

  it('property: a path built from a pattern matches it and yields the values put in', () => {
    const segment = fc.oneof(
      literal.map((text) => ({ kind: 'literal' as const, text })),
      fc.constant({ kind: 'param' as const, text: '' }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(segment, value), { minLength: 1, maxLength: 6 }), (parts) => {
        let pattern = '';
        let path = '';
        const expected: Record<string, string> = {};
        parts.forEach(([part, v], i) => {
          if (part.kind === 'literal') {
            pattern += `/${part.text}`;
            path += `/${part.text}`;
          } else {
            pattern += `/:p${i}`;
            path += `/${v}`;
            expected[`p${i}`] = v;
          }
        });
        const compiled = compilePathPattern(pattern);
        expect(matchPath(compiled, path)).toEqual(expected);
        // One more segment never matches a pattern without a star.
        expect(matchPath(compiled, `${path}/extra`)).toBeNull();
      }),
    );
  });

  it('property: a trailing star matches any suffix, and only paths with the prefix', () => {
    fc.assert(
      fc.property(literal, fc.array(value, { maxLength: 4 }), literal, (prefix, rest, other) => {
        const compiled = compilePathPattern(`/${prefix}/*`);
        const suffix = rest.join('/');
        expect(matchPath(compiled, `/${prefix}/${suffix}`)).toEqual({ '*': suffix });
        if (other !== prefix) expect(matchPath(compiled, `/${other}/${suffix}`)).toBeNull();
      }),
    );
  });
});
