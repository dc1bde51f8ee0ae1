import { createDownloads, type Download, type Downloads, type StorageReport } from '@outpost/pwa/client';
import { signal } from '@preact/signals';
import type { Track, TrackList } from '../../server/music/music-wire';

const CATALOG_KEY = 'outpost.music.catalog';
const ICON = { src: '/icons/any-192.png', sizes: '192x192', type: 'image/png' };

/** The catalog: from the server, else the last copy this device saw; null before either. */
export const musicTracks = signal<Track[] | null>(readStoredCatalog());
/** The server could not be reached: the catalog shown is the last copy seen. */
export const musicStale = signal(false);
/** Every download of the origin by id, as the downloads store has it. */
export const musicDownloads = signal<ReadonlyMap<string, Download>>(new Map());
/** Usage, quota and persistence, re-read whenever a download starts or ends. */
export const musicStorage = signal<StorageReport | null>(null);
/** The "Available offline" filter. */
export const offlineOnly = signal(false);

let downloads: Downloads | null = null;

/** The download that holds a track. One file per download, so a track is downloaded (and deleted) on its own. */
export const downloadIdOf = (track: Pick<Track, 'id'>): string => `music-${track.id}`;

/**
 * Starts Music: follows every download (from this page, another tab or the worker), reads storage, and loads
 * the catalog (kept on the device, so the list shows offline too).
 */
export function startMusic(): void {
  if (downloads) return;
  const handle = createDownloads();
  downloads = handle;
  handle.subscribe((id, download) => {
    const before = musicDownloads.value.get(id);
    const next = new Map(musicDownloads.value);
    if (download) next.set(id, download);
    else next.delete(id);
    musicDownloads.value = next;
    if (before?.state !== download?.state) void readStorage();
  });
  void handle.list().then((all) => {
    musicDownloads.value = new Map(all.map((d) => [d.id, d]));
  });
  void readStorage();
  void loadCatalog();
}

async function loadCatalog(): Promise<void> {
  try {
    const response = await fetch('/api/music/tracks', { cache: 'no-cache' });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const list = (await response.json()) as TrackList;
    musicTracks.value = list.tracks;
    musicStale.value = false;
    globalThis.localStorage?.setItem(CATALOG_KEY, JSON.stringify(list.tracks));
  } catch {
    musicStale.value = true;
  }
}

function readStoredCatalog(): Track[] | null {
  try {
    const saved = globalThis.localStorage?.getItem(CATALOG_KEY);
    return saved ? (JSON.parse(saved) as Track[]) : null;
  } catch {
    return null;
  }
}

async function readStorage(): Promise<void> {
  if (downloads) musicStorage.value = await downloads.storage();
}

/** Downloads a track (Background Fetch where the browser allows it, else the resumable fallback). */
export async function downloadTrack(track: Track): Promise<void> {
  await downloads?.start(downloadIdOf(track), [track.audio], {
    title: `${track.title} — ${track.artist}`,
    icons: [ICON],
    downloadTotal: track.size,
  });
}

/** Pauses a download (the fallback only: Background Fetch cannot pause). */
export async function pauseDownload(id: string): Promise<void> {
  await downloads?.pause(id);
}

/** Resumes a paused download, or retries a failed one from the bytes it stored. */
export async function resumeDownload(id: string): Promise<void> {
  await downloads?.resume(id);
}

/** Cancels a download: it ends aborted and nothing of it stays stored. */
export async function cancelDownload(id: string): Promise<void> {
  await downloads?.abort(id);
}

/** Deletes a download and its stored file. */
export async function deleteDownload(id: string): Promise<void> {
  await downloads?.delete(id);
}
