import { afterEach, describe, expect, it } from 'vitest';
import {
  lastPrecacheReport,
  onCacheUpdated,
  onCachingMessage,
  onPrecacheFailed,
  onPrecacheInstalled,
} from '../src/caching/caching-events.client.js';
import {
  CACHING_CHANNEL,
  type CachingMessage,
  isCachingMessage,
  precacheReportUrl,
  REPORT_CACHE,
} from '../src/caching/messages.js';
import { InMemoryCacheStorage } from './in-memory-caches.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function post(message: unknown): void {
  const worker = new BroadcastChannel(CACHING_CHANNEL);
  worker.postMessage(message);
  worker.close();
}

describe('page listeners for caching messages', () => {
  it('hand each listener its own message type, and ignore foreign messages', async () => {
    const updated: unknown[] = [];
    const failed: unknown[] = [];
    const installed: unknown[] = [];
    const all: CachingMessage[] = [];
    stops.push(
      onCacheUpdated((update) => updated.push(update)),
      onPrecacheFailed((failures) => failed.push(failures)),
      onPrecacheInstalled((result) => installed.push(result)),
      onCachingMessage((message) => all.push(message)),
    );
    post({ type: 'someone-else', url: '/x' });
    post({ type: 'outpost:cache-updated', cacheName: 'news', url: 'https://app.example/api/news' });
    post({
      type: 'outpost:precache-failed',
      failures: [{ url: 'https://app.example/a.js', status: 500, reason: 'HTTP 500' }],
    });
    post({ type: 'outpost:precache-installed', cacheName: 'c', fetched: 3, reused: 2 });

    await expect.poll(() => all.length).toBe(3);
    expect(updated).toEqual([{ cacheName: 'news', url: 'https://app.example/api/news' }]);
    expect(failed).toEqual([[{ url: 'https://app.example/a.js', status: 500, reason: 'HTTP 500' }]]);
    expect(installed).toEqual([{ cacheName: 'c', fetched: 3, reused: 2 }]);
  });

  it('stop listening when unsubscribed', async () => {
    const heard: unknown[] = [];
    const control: unknown[] = [];
    const stop = onCacheUpdated((update) => heard.push(update));
    stops.push(onCachingMessage((message) => control.push(message)));
    stop();
    post({ type: 'outpost:cache-updated', cacheName: 'x', url: 'u' });
    await expect.poll(() => control.length).toBe(1);
    expect(heard).toEqual([]);
  });

  it('isCachingMessage narrows only known types', () => {
    expect(isCachingMessage({ type: 'outpost:cache-updated', cacheName: 'a', url: 'b' })).toBe(true);
    expect(isCachingMessage({ type: 'outpost:skip-waiting' })).toBe(false);
    expect(isCachingMessage(null)).toBe(false);
    expect(isCachingMessage('outpost:cache-updated')).toBe(false);
  });
});

describe('lastPrecacheReport', () => {
  const scope = 'https://app.example/';

  it('reads the report the worker kept for the scope, and nothing else', async () => {
    const storage = new InMemoryCacheStorage();
    expect(await lastPrecacheReport(scope, storage)).toBeUndefined();
    const report = {
      type: 'outpost:precache-failed',
      failures: [{ url: 'https://app.example/a.js', status: 500, reason: 'HTTP 500' }],
      at: 1_700_000_000_000,
    };
    const cache = await storage.open(REPORT_CACHE);
    await cache.put(precacheReportUrl(scope), new Response(JSON.stringify(report)));
    expect(await lastPrecacheReport(scope, storage)).toEqual(report);
    expect(await lastPrecacheReport('https://other.example/', storage)).toBeUndefined();

    await cache.put(precacheReportUrl(scope), new Response('{"type":"outpost:cache-updated","at":1}'));
    expect(await lastPrecacheReport(scope, storage)).toBeUndefined();
    await cache.put(precacheReportUrl(scope), new Response('not json'));
    expect(await lastPrecacheReport(scope, storage)).toBeUndefined();
  });
});
