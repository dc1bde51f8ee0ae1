import type { Download } from '@outpost/pwa/client';
import { signal } from '@preact/signals';
import type { JSX } from 'preact';
import type { Track } from '../../server/music/music-wire';
import { language, type Strings, strings } from '../i18n';
import {
  cancelDownload,
  deleteDownload,
  downloadIdOf,
  downloadTrack,
  musicDownloads,
  musicStale,
  musicStorage,
  musicTracks,
  offlineOnly,
  pauseDownload,
  resumeDownload,
} from '../music/music';

/** What the last refused action said (a download that changed state under the click, storage refused…). */
const actionError = signal<string | null>(null);

/**
 * Music: the catalog, each track streamed with `<audio>` and downloadable for offline play (progress, pause,
 * resume, cancel, delete), the downloads library, an "Available offline" filter, and what storage the
 * downloads use.
 */
export function MusicView(): JSX.Element {
  const t = strings.value;
  const tracks = musicTracks.value;
  const downloads = musicDownloads.value;
  const shown = offlineOnly.value
    ? (tracks ?? []).filter((track) => downloads.get(downloadIdOf(track))?.state === 'succeeded')
    : (tracks ?? []);
  return (
    <article data-testid="view-music" class="music">
      <h1>{t['section.music']}</h1>
      <StorageLine />
      {musicStale.value ? (
        <p class="muted" data-testid="music-stale">
          {t['music.stale']}
        </p>
      ) : null}
      {actionError.value ? (
        <p class="error" role="alert" data-testid="music-error">
          {t['music.actionFailed'].replace('{reason}', actionError.value)}
        </p>
      ) : null}
      <label>
        <input
          type="checkbox"
          data-testid="music-offline-only"
          checked={offlineOnly.value}
          onChange={(event) => {
            offlineOnly.value = event.currentTarget.checked;
          }}
        />{' '}
        {t['music.offlineOnly']}
      </label>
      <h2>{t['music.tracks']}</h2>
      {tracks === null ? (
        <p class="muted" data-testid="music-empty">
          {t['music.empty']}
        </p>
      ) : shown.length === 0 ? (
        <p class="muted" data-testid="music-none-offline">
          {t['music.noneOffline']}
        </p>
      ) : (
        <ul class="list" data-testid="music-tracks">
          {shown.map((track) => (
            <TrackItem key={track.id} track={track} download={downloads.get(downloadIdOf(track))} />
          ))}
        </ul>
      )}
      <Library downloads={[...downloads.values()]} />
    </article>
  );
}

function TrackItem({ track, download }: { track: Track; download: Download | undefined }): JSX.Element {
  const t = strings.value;
  return (
    <li class="card music-track" data-testid="music-track" data-id={track.id} data-state={download?.state ?? 'none'}>
      <h3>{track.title}</h3>
      <p class="muted">
        {track.artist} · {duration(track.durationSeconds)} · {megabytes(track.size)}
      </p>
      {/* biome-ignore lint/a11y/useMediaCaption: instrumental tones, there are no words or sounds to caption */}
      <audio controls preload="none" src={track.audio} aria-label={track.title} data-testid="music-audio" />
      {download ? <DownloadControls track={track} download={download} /> : null}
      {/* A failed download is started afresh (start() replaces it): "Try again", or "Download" after a cancel. */}
      {download === undefined || download.state === 'failed' ? (
        <button type="button" data-testid="music-download" onClick={() => act(() => downloadTrack(track))}>
          {download && download.failureReason !== 'aborted' ? t['music.retry'] : t['music.download']}
        </button>
      ) : null}
    </li>
  );
}

/** Progress and the actions that apply to the download as it stands. */
function DownloadControls({ track, download }: { track: Track; download: Download }): JSX.Element {
  const t = strings.value;
  const progressId = `music-progress-${track.id}`;
  const running = download.state === 'queued' || download.state === 'downloading';
  return (
    <div class="music-download" data-testid="music-download-state" data-state={download.state}>
      {running || download.state === 'paused' ? (
        <>
          <label for={progressId}>{t['music.progress'].replace('{title}', track.title)}</label>{' '}
          <progress
            id={progressId}
            data-testid="music-progress"
            max={download.bytesTotal ?? undefined}
            value={download.bytesTotal ? download.bytesDone : undefined}
          />{' '}
          <span class="muted" data-testid="music-bytes">
            {bytesLine(download)}
          </span>
        </>
      ) : null}{' '}
      <StateText download={download} />{' '}
      {running && download.mode === 'fallback' ? (
        <button type="button" data-testid="music-pause" onClick={() => act(() => pauseDownload(download.id))}>
          {t['music.pause']}
        </button>
      ) : null}
      {download.state === 'paused' ? (
        <button type="button" data-testid="music-resume" onClick={() => act(() => resumeDownload(download.id))}>
          {t['music.resume']}
        </button>
      ) : null}
      {running || download.state === 'paused' ? (
        <button type="button" data-testid="music-cancel" onClick={() => act(() => cancelDownload(download.id))}>
          {t['music.cancel']}
        </button>
      ) : (
        <button type="button" data-testid="music-delete" onClick={() => act(() => deleteDownload(download.id))}>
          {t['music.delete']}
        </button>
      )}
    </div>
  );
}

/** The downloads library: every download of this device, whatever its state. */
function Library({ downloads }: { downloads: Download[] }): JSX.Element {
  const t = strings.value;
  return (
    <section aria-labelledby="music-library-title">
      <h2 id="music-library-title">{t['music.library']}</h2>
      {downloads.length === 0 ? (
        <p class="muted" data-testid="music-library-empty">
          {t['music.libraryEmpty']}
        </p>
      ) : (
        <ul class="list" data-testid="music-library">
          {downloads.map((download) => (
            <li
              key={download.id}
              class="music-library-item"
              data-testid="music-library-item"
              data-id={download.id}
              data-state={download.state}
            >
              <strong>{download.title}</strong> <StateText download={download} />{' '}
              <span class="muted">{bytesLine(download)}</span>{' '}
              <button type="button" onClick={() => act(() => deleteDownload(download.id))}>
                {t['music.delete']}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function StateText({ download }: { download: Download }): JSX.Element {
  const t = strings.value;
  const reason = download.failureReason;
  return (
    <span data-testid="music-state" data-state={download.state} data-reason={reason}>
      {t[stateKey(download)]}
      {reason ? `: ${t[reasonKey(reason)]}` : ''}
      {download.waitingForNetwork ? ` · ${t['music.waiting']}` : ''}
    </span>
  );
}

/** Storage used of the quota, and whether the browser keeps it under pressure. */
function StorageLine(): JSX.Element {
  const t = strings.value;
  const report = musicStorage.value;
  const persisted = report?.persisted;
  return (
    <section class="card" aria-label={t['music.storage']} data-testid="music-storage">
      <p data-testid="music-usage">
        {report?.usage !== undefined && report.quota !== undefined
          ? t['music.storageUsed']
              .replace('{used}', megabytes(report.usage))
              .replace('{quota}', megabytes(report.quota))
          : t['music.storageUnknown']}
      </p>
      <p class="muted" data-testid="music-persisted" data-persisted={String(persisted)}>
        {persisted === undefined
          ? t['music.persisted.unknown']
          : persisted
            ? t['music.persisted.yes']
            : t['music.persisted.no']}
      </p>
    </section>
  );
}

/** Runs an action; a refusal is shown, not thrown into the void. */
function act(action: () => Promise<void>): void {
  actionError.value = null;
  action().catch((error: unknown) => {
    actionError.value = error instanceof Error ? error.message : String(error);
  });
}

function stateKey(download: Download): keyof Strings {
  return `music.state.${download.state}`;
}

function reasonKey(reason: NonNullable<Download['failureReason']>): keyof Strings {
  return `music.reason.${reason}`;
}

function bytesLine(download: Download): string {
  return download.bytesTotal
    ? strings.value['music.of']
        .replace('{done}', megabytes(download.bytesDone))
        .replace('{total}', megabytes(download.bytesTotal))
    : megabytes(download.bytesDone);
}

function megabytes(bytes: number): string {
  return new Intl.NumberFormat(language.value, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }).format(
    bytes / 1_000_000,
  );
}

function duration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
