// What the Music API sends, shared by the server and the page (type-only imports).

/** One track of the catalog. */
export interface Track {
  id: string;
  title: string;
  artist: string;
  /** Length in whole seconds. */
  durationSeconds: number;
  /** Same-origin path of its audio (`GET`/`HEAD`, byte ranges). */
  audio: string;
  /** Size of the audio in bytes. */
  size: number;
  /** The audio's media type. */
  type: string;
}

/** `GET /api/music/tracks`: the catalog, in album order. */
export interface TrackList {
  tracks: Track[];
}
