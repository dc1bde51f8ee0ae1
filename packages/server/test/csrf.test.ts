import { describe, expect, it } from 'vitest';
import { type CsrfRequest, csrfRejection } from '../src/accounts/csrf.js';

const base: CsrfRequest = {
  method: 'POST',
  url: '/api/things',
  host: 'localhost:8080',
  contentType: 'application/json',
  origin: undefined,
};

describe('csrfRejection', () => {
  it('lets safe methods and non-API paths through untouched', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(csrfRejection({ ...base, method, contentType: undefined, origin: 'https://evil.example' })).toBeNull();
    }
    expect(csrfRejection({ ...base, url: '/upload', contentType: 'text/plain' })).toBeNull();
    expect(csrfRejection({ ...base, url: '/apix', contentType: 'text/plain' })).toBeNull();
  });

  it('requires application/json on every state-changing method, parameters and case aside', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(csrfRejection({ ...base, method, contentType: 'text/plain' })).toContain('must have Content-Type');
      expect(csrfRejection({ ...base, method, contentType: 'Application/JSON; charset=utf-8' })).toBeNull();
    }
    expect(csrfRejection({ ...base, contentType: undefined })).toContain('(got none)');
    expect(csrfRejection({ ...base, contentType: 'application/json-patch+json' })).not.toBeNull();
  });

  it('accepts a missing Origin and one naming this host (default ports and case normalised)', () => {
    expect(csrfRejection(base)).toBeNull();
    expect(csrfRejection({ ...base, origin: 'http://localhost:8080' })).toBeNull();
    expect(csrfRejection({ ...base, host: 'Example.COM', origin: 'https://example.com' })).toBeNull();
    expect(csrfRejection({ ...base, host: 'example.com:443', origin: 'https://example.com' })).toBeNull();
    expect(csrfRejection({ ...base, host: '[::1]:8080', origin: 'http://[::1]:8080' })).toBeNull();
  });

  it.each([
    ['http://localhost:8081', 'localhost:8080'],
    ['https://evil.example', 'localhost:8080'],
    ['null', 'localhost:8080'],
    ['file://', 'localhost:8080'],
    ['http://localhost:8080', ''],
    ['http://localhost:8080', 'localhost:8080/../x'],
  ])('refuses Origin %s for Host %s', (origin, host) => {
    expect(csrfRejection({ ...base, origin, host })).toMatch(/^cross-origin request refused: Origin /);
  });
});
