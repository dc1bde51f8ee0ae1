import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Track } from './music-wire.js';
import { synthesizeWav, type ToneSpec } from './synth.js';

/** One track as the server holds it: what the catalog shows, its strong ETag, and a way to read its bytes. */
export interface CatalogEntry {
  track: Track;
  /** Strong ETag of the audio bytes (a hash of them). */
  etag: string;
  /** Bytes `start..end` (inclusive) of the audio. */
  read(start: number, end: number): Readable | Buffer;
}

interface TrackSpec {
  id: string;
  title: string;
  artist: string;
  tone: ToneSpec;
}

/** The album: three tunes of 40, 50 and 60 s, about 1.8, 2.2 and 2.6 MB. */
export const TRACK_SPECS: readonly TrackSpec[] = [
  {
    id: 'dawn',
    title: 'Dawn Chorus',
    artist: 'The Sine Waves',
    tone: { seconds: 40, rootHz: 261.63, notes: [0, 4, 7, 12, 7, 4], noteSeconds: 0.3 },
  },
  {
    id: 'harbour',
    title: 'Harbour Lights',
    artist: 'The Sine Waves',
    tone: { seconds: 50, rootHz: 220, notes: [0, 3, 7, 10, 12, 10, 7, 3], noteSeconds: 0.4 },
  },
  {
    id: 'long-road',
    title: 'Long Road Home',
    artist: 'Square One',
    tone: { seconds: 60, rootHz: 196, notes: [0, 2, 4, 7, 9, 7, 4, 2], noteSeconds: 0.5 },
  },
];

/** The audio's path in the API. */
export const audioPath = (id: string): string => `/api/music/tracks/${encodeURIComponent(id)}/audio`;

const WAV = 'audio/wav';

/** A strong ETag from the bytes: the same file always has the same tag, a changed one a new tag. */
export function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
}

/**
 * Loads the catalog. With `dir`, each track is a WAV file there, generated on first start (written to a
 * temporary name, then renamed, so a crash never leaves half a file) and read from disk afterwards; without,
 * the audio is generated into memory at every start (the same bytes each time).
 */
export function loadCatalog(dir: string | undefined): Map<string, CatalogEntry> {
  if (dir) mkdirSync(dir, { recursive: true });
  const catalog = new Map<string, CatalogEntry>();
  for (const spec of TRACK_SPECS) {
    const file = dir ? join(dir, `${spec.id}.wav`) : undefined;
    let bytes: Buffer;
    if (file && existsSync(file)) bytes = readFileSync(file);
    else {
      bytes = synthesized(spec);
      if (file) {
        writeFileSync(`${file}.tmp`, bytes);
        renameSync(`${file}.tmp`, file);
      }
    }
    const track: Track = {
      id: spec.id,
      title: spec.title,
      artist: spec.artist,
      durationSeconds: spec.tone.seconds,
      audio: audioPath(spec.id),
      size: bytes.length,
      type: WAV,
    };
    catalog.set(spec.id, { track, etag: etagOf(bytes), read: file ? fromDisk(file) : fromMemory(bytes) });
  }
  return catalog;
}

// The same spec always makes the same bytes: made once per process, however many servers (tests) start.
const made = new Map<string, Buffer>();
function synthesized(spec: TrackSpec): Buffer {
  const found = made.get(spec.id);
  if (found) return found;
  const bytes = synthesizeWav(spec.tone);
  made.set(spec.id, bytes);
  return bytes;
}

/** Streamed from disk per request: the bytes read at start are not kept. */
const fromDisk =
  (file: string) =>
  (start: number, end: number): Readable =>
    createReadStream(file, { start, end });

const fromMemory =
  (bytes: Buffer) =>
  (start: number, end: number): Buffer =>
    bytes.subarray(start, end + 1);
