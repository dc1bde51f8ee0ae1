/**
 * Downloads messages. Every write to the downloads store, from a page or the worker, is announced on the
 * BroadcastChannel {@link DOWNLOADS_CHANNEL}; listeners re-read the download from the store, which stays the
 * one source of truth.
 */
export type DownloadsMessage =
  /** Download `id` was added, changed or deleted. */
  { type: 'outpost:downloads-changed'; id: string };

/** The BroadcastChannel of the downloads capability. */
export const DOWNLOADS_CHANNEL = 'outpost:downloads';

/** Narrows an unknown message payload to a {@link DownloadsMessage}. */
export function isDownloadsMessage(data: unknown): data is DownloadsMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { type, id } = data as { type?: unknown; id?: unknown };
  return type === 'outpost:downloads-changed' && typeof id === 'string';
}
