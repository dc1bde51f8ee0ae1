import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etagOf, loadCatalog, TRACK_SPECS } from '../src/server/music/catalog.js';
import { ifRangeAllows } from '../src/server/music/if-range.js';
import type { TrackList } from '../src/server/music/music-wire.js';
import { musicRoutes } from '../src/server/music/routes.js';
import { SAMPLE_RATE, synthesizeWav, wavSize } from '../src/server/music/synth.js';

// The Music API: a catalog of generated WAV tracks, and their audio with byte ranges (200, 206, suffix and open
// ranges, 416, HEAD, If-Range), from disk and from memory.

let dir: string;
let app: FastifyInstance;
let memory: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-music-'));
  app = Fastify();
  await app.register(musicRoutes, { dir });
  await app.ready();
  memory = Fastify();
  await memory.register(musicRoutes, {});
  await memory.ready();
});

afterAll(async () => {
  await app.close();
  await memory.close();
  rmSync(dir, { recursive: true, force: true });
});

const firstTrack = async (server: FastifyInstance) => {
  const list = (await server.inject({ url: '/api/music/tracks' })).json<TrackList>();
  const track = list.tracks[0];
  if (!track) throw new Error('empty catalog');
  return track;
};

describe('GET /api/music/tracks', () => {
  it('lists the generated tracks with title, artist, duration, size and audio path', async () => {
    const response = await app.inject({ url: '/api/music/tracks' });
    expect(response.statusCode).toBe(200);
    const { tracks } = response.json<TrackList>();
    expect(tracks.map((t) => t.id)).toEqual(TRACK_SPECS.map((s) => s.id));
    for (const track of tracks) {
      expect(track.title).not.toBe('');
      expect(track.artist).not.toBe('');
      expect(track.size).toBe(wavSize(track.durationSeconds));
      // A few MB each: more than a second of audio is 44 KB.
      expect(track.size).toBeGreaterThan(1_000_000);
      expect(track.audio).toBe(`/api/music/tracks/${track.id}/audio`);
      expect(track.type).toBe('audio/wav');
      // Generated on first start into the data dir.
      expect(statSync(join(dir, `${track.id}.wav`)).size).toBe(track.size);
    }
  });

  it('a second start reads the stored files and keeps the same ETags', async () => {
    const again = loadCatalog(dir);
    const before = loadCatalog(undefined);
    for (const [id, entry] of again) expect(entry.etag).toBe(before.get(id)?.etag);
  });
});

describe('GET/HEAD /api/music/tracks/:id/audio', () => {
  it.each([
    ['disk', () => app],
    ['memory', () => memory],
  ])('from %s: 200 whole with Accept-Ranges, a strong ETag and Content-Length', async (_name, server) => {
    const track = await firstTrack(server());
    const response = await server().inject({ url: track.audio });
    expect(response.statusCode).toBe(200);
    expect(response.headers['accept-ranges']).toBe('bytes');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(response.headers['content-length']).toBe(String(track.size));
    expect(response.headers['content-type']).toBe('audio/wav');
    expect(response.rawPayload.length).toBe(track.size);
    expect(response.rawPayload.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(response.headers.etag).toBe(etagOf(response.rawPayload));
    expect(response.rawPayload.equals(readFileSync(join(dir, `${track.id}.wav`)))).toBe(true);
  });

  it('206 for a closed, an open and a suffix range, with Content-Range and the right bytes', async () => {
    const track = await firstTrack(app);
    const whole = readFileSync(join(dir, `${track.id}.wav`));
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, track.size - 1],
      ['bytes=-500', track.size - 500, track.size - 1],
      [`bytes=10-${track.size + 100}`, 10, track.size - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await app.inject({ url: track.audio, headers: { range } });
      expect(response.statusCode, range).toBe(206);
      expect(response.headers['content-range']).toBe(`bytes ${start}-${end}/${track.size}`);
      expect(response.headers['content-length']).toBe(String(end - start + 1));
      expect(response.rawPayload.equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  it('416 with bytes */size for a range past the end or an empty suffix', async () => {
    const track = await firstTrack(app);
    for (const range of [`bytes=${track.size}-`, 'bytes=-0']) {
      const response = await app.inject({ url: track.audio, headers: { range } });
      expect(response.statusCode, range).toBe(416);
      expect(response.headers['content-range']).toBe(`bytes */${track.size}`);
      expect(response.body).toBe('');
    }
  });

  it('HEAD has the headers of GET and no body', async () => {
    const track = await firstTrack(app);
    const head = await app.inject({ method: 'HEAD', url: track.audio });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(track.size));
    expect(head.headers['accept-ranges']).toBe('bytes');
    expect(head.headers.etag).toMatch(/^"/);
    expect(head.rawPayload.length).toBe(0);
    const ranged = await app.inject({ method: 'HEAD', url: track.audio, headers: { range: 'bytes=0-9' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-length']).toBe('10');
    expect(ranged.rawPayload.length).toBe(0);
  });

  it('If-Range: the current ETag keeps the range; another tag or a date gets the whole file', async () => {
    const track = await firstTrack(app);
    const etag = String((await app.inject({ method: 'HEAD', url: track.audio })).headers.etag);
    const same = await app.inject({ url: track.audio, headers: { range: 'bytes=100-', 'if-range': etag } });
    expect(same.statusCode).toBe(206);
    expect(same.headers['content-range']).toBe(`bytes 100-${track.size - 1}/${track.size}`);
    for (const ifRange of ['"an-older-version"', `W/${etag}`, 'Sun, 06 Dec 2026 10:00:00 GMT']) {
      const other = await app.inject({ url: track.audio, headers: { range: 'bytes=100-', 'if-range': ifRange } });
      expect(other.statusCode, ifRange).toBe(200);
      expect(other.headers['content-range']).toBeUndefined();
      expect(other.rawPayload.length).toBe(track.size);
    }
  });

  it('404 for an unknown track', async () => {
    expect((await app.inject({ url: '/api/music/tracks/nope/audio' })).statusCode).toBe(404);
  });
});

// The Range rules are @outpost/pwa's decideRange, property-tested in packages/pwa/test/caching-range.test.ts.
describe('ifRangeAllows', () => {
  it('If-Range matches only the same strong tag', () => {
    expect(ifRangeAllows(undefined, '"a"')).toBe(true);
    expect(ifRangeAllows('"a"', '"a"')).toBe(true);
    expect(ifRangeAllows('"b"', '"a"')).toBe(false);
    expect(ifRangeAllows('W/"a"', '"a"')).toBe(false);
  });
});

describe('synthesizeWav', () => {
  it('writes a valid PCM header and the same bytes for the same spec', () => {
    const spec = { seconds: 1, rootHz: 440, notes: [0, 7], noteSeconds: 0.25 };
    const wav = synthesizeWav(spec);
    expect(wav.length).toBe(wavSize(1));
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt32LE(24)).toBe(SAMPLE_RATE);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    expect(synthesizeWav(spec).equals(wav)).toBe(true);
    // Not silence.
    expect(Math.max(...Array.from({ length: 1000 }, (_, i) => Math.abs(wav.readInt16LE(44 + 2 * i))))).toBeGreaterThan(
      1000,
    );
  });
});
