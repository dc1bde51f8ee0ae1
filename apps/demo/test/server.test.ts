import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@outpost/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoServer } from '../src/server/app.js';
import { cacheControlFor } from '../src/server/client-files.js';
import { ConfigError, readConfig } from '../src/server/config.js';
import { CONTENT_SECURITY_POLICY } from '../src/server/security-headers.js';

let clientDir: string;
let store: Store;
let app: FastifyInstance;
const html = { accept: 'text/html,application/xhtml+xml' };

beforeAll(async () => {
  clientDir = await mkdtemp(join(tmpdir(), 'outpost-demo-client-'));
  await mkdir(join(clientDir, 'assets'));
  await writeFile(join(clientDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  await writeFile(join(clientDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(clientDir, 'assets', 'index-BqT4x3Kz.js'), 'console.log(1)');
  store = await openStore({ url: ':memory:' });
  app = buildDemoServer({ store, clientDir });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(clientDir, { recursive: true, force: true });
});

describe('static client', () => {
  it('serves index.html and sw.js revalidated, hashed assets immutable', async () => {
    const index = await app.inject({ url: '/', headers: html });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>Outpost</title>');
    expect(index.headers['cache-control']).toBe('no-cache');
    const sw = await app.inject({ url: '/sw.js' });
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['content-type']).toMatch(/javascript/);
    const asset = await app.inject({ url: '/assets/index-BqT4x3Kz.js' });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers deep-link navigations with index.html', async () => {
    const music = await app.inject({ url: '/music?x=1', headers: html });
    expect(music.statusCode).toBe(200);
    expect(music.body).toContain('<title>Outpost</title>');
    expect(music.headers['cache-control']).toBe('no-cache');
  });

  it('keeps missing files, non-navigations and unknown API routes a JSON 404', async () => {
    for (const [url, headers] of [
      ['/assets/missing-AAAA1111.js', { accept: '*/*' }],
      ['/api/nope', html],
      ['/api', html],
    ] as const) {
      const response = await app.inject({ url, headers });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
    const json = { ...html, 'content-type': 'application/json' };
    expect((await app.inject({ method: 'POST', url: '/music', headers: json, payload: '{}' })).statusCode).toBe(404);
    // Issue 12 item 11: the CSRF rule covers every state-changing request, not only /api/ paths.
    expect((await app.inject({ method: 'POST', url: '/music', headers: html })).statusCode).toBe(403);
  });

  it('sends the strict CSP and companions on pages, API answers and errors', async () => {
    for (const url of ['/', '/api/health', '/api/nope']) {
      const response = await app.inject({ url, headers: html });
      expect(response.headers['content-security-policy'], url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});

describe('API', () => {
  it('reports health', async () => {
    const response = await app.inject({ url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', store: 'sqlite' });
  });

  it('refuses /api/profile without a session and answers it with one', async () => {
    const anonymous = await app.inject({ url: '/api/profile' });
    expect(anonymous.statusCode).toBe(401);

    const signup = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'ada', password: 'correct horse battery' },
    });
    expect(signup.statusCode).toBeLessThan(300);
    const cookie = signup.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect(cookie).not.toBe('');

    const profile = await app.inject({ url: '/api/profile', headers: { cookie } });
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({ user: { username: 'ada' } });
  });
});

describe('cacheControlFor', () => {
  it('makes only files under assets/ immutable', () => {
    expect(cacheControlFor('assets/a-BqT4x3Kz.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('index.html')).toBe('no-cache');
    expect(cacheControlFor('icons/any-192.png')).toBe('no-cache');
  });
});

describe('readConfig', () => {
  it('defaults to port 8080 and ./data/outpost.db under the working directory', () => {
    expect(readConfig({}, '/srv/app')).toEqual({
      port: 8080,
      host: undefined,
      storeUrl: '/srv/app/data/outpost.db',
      dataDir: '/srv/app/data',
      secureCookies: false,
      pushService: { port: 8090, secret: undefined },
      pushAllowedOrigins: [],
      newsPublishEveryMs: 300_000,
    });
  });

  it('takes PORT, HOST, DATA_DIR, DATABASE_URL and SECURE_COOKIES', () => {
    expect(readConfig({ PORT: '8099', HOST: '127.0.0.1', DATA_DIR: 'x', SECURE_COOKIES: 'true' }, '/w')).toEqual({
      port: 8099,
      host: '127.0.0.1',
      storeUrl: '/w/x/outpost.db',
      dataDir: '/w/x',
      secureCookies: true,
      pushService: { port: 8090, secret: undefined },
      pushAllowedOrigins: [],
      newsPublishEveryMs: 300_000,
    });
    const pg = readConfig({ DATABASE_URL: 'postgres://db/app', DATA_DIR: 'ignored' }, '/w');
    expect(pg.storeUrl).toBe('postgres://db/app');
    expect(pg.dataDir).toBeUndefined();
  });

  it('takes the embedded push service switch, port and secret, and more push-service origins', () => {
    const config = readConfig(
      {
        PUSH_SERVICE_PORT: '9001',
        PUSH_SERVICE_SECRET: 'a-secret-of-16-chars',
        PUSH_ALLOWED_ORIGINS: 'https://push.example, https://other.example',
      },
      '/w',
    );
    expect(config.pushService).toEqual({ port: 9001, secret: 'a-secret-of-16-chars' });
    expect(config.pushAllowedOrigins).toEqual(['https://push.example', 'https://other.example']);
    expect(readConfig({ PUSH_SERVICE: 'off' }, '/w').pushService).toBeNull();
    expect(() => readConfig({ PUSH_SERVICE: 'maybe' }, '/w')).toThrow(/PUSH_SERVICE/);
    expect(() => readConfig({ PUSH_SERVICE_SECRET: 'short' }, '/w')).toThrow(/PUSH_SERVICE_SECRET/);
  });

  it('rejects a bad PORT or SECURE_COOKIES by name', () => {
    expect(() => readConfig({ PORT: 'eighty' }, '/')).toThrow(ConfigError);
    expect(() => readConfig({ PORT: '70000' }, '/')).toThrow(/PORT/);
    expect(() => readConfig({ SECURE_COOKIES: 'yes' }, '/')).toThrow(/SECURE_COOKIES/);
  });

  it('takes NEWS_PUBLISH_EVERY_MS (0 never) and rejects a bad one by name', () => {
    expect(readConfig({ NEWS_PUBLISH_EVERY_MS: '0' }, '/').newsPublishEveryMs).toBe(0);
    expect(readConfig({ NEWS_PUBLISH_EVERY_MS: '60000' }, '/').newsPublishEveryMs).toBe(60_000);
    expect(() => readConfig({ NEWS_PUBLISH_EVERY_MS: '-1' }, '/')).toThrow(/NEWS_PUBLISH_EVERY_MS/);
  });
});
