import { describe, expect, it } from 'vitest';
import { type CsrfRequest, csrfRejection } from '../src/accounts/csrf.js';

const base: CsrfRequest = {
  method: 'POST',
  host: 'localhost:8080',
  protocol: 'http',
  contentType: 'application/json',
  origin: undefined,
};

describe('csrfRejection', () => {
  it('lets safe methods through untouched', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(csrfRejection({ ...base, method, contentType: undefined, origin: 'https://evil.example' })).toBeNull();
    }
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
    expect(
      csrfRejection({ ...base, host: 'Example.COM', protocol: 'https', origin: 'https://example.com' }),
    ).toBeNull();
    expect(
      csrfRejection({ ...base, host: 'example.com:443', protocol: 'https', origin: 'https://example.com' }),
    ).toBeNull();
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

describe('issue 12 item 14: the Origin check compares the scheme', () => {
  it('refuses an Origin with the same host but another scheme', () => {
    expect(csrfRejection({ ...base, origin: 'https://localhost:8080' })).toBe(
      'cross-origin request refused: Origin https://localhost:8080 is not http://',
    );
    expect(csrfRejection({ ...base, protocol: 'https', host: 'app.example', origin: 'http://app.example' })).toBe(
      'cross-origin request refused: Origin http://app.example is not https://',
    );
  });
});
