// What a download is, as every context of the origin sees it in the downloads store. Plain data, no platform
// types, so the page, the worker and the unit tests share it.

import type { Validator } from './resume.js';

/** Where a download stands. */
export type DownloadState = 'queued' | 'downloading' | 'paused' | 'succeeded' | 'failed';

/** Why a download failed: the Background Fetch failure reasons, used for the fallback too. */
export type DownloadFailureReason =
  | 'bad-status'
  | 'fetch-error'
  | 'quota-exceeded'
  | 'download-total-exceeded'
  | 'aborted';

/** Who moves the bytes: the browser's Background Fetch, or the page's own streamed, resumable fetch. */
export type DownloadMode = 'background-fetch' | 'fallback';

/** An icon for the browser's download UI (the Background Fetch `icons` option). */
export interface DownloadIcon {
  src: string;
  sizes?: string;
  type?: string;
}

/** One download: a set of URLs fetched together under one id and title. */
export interface Download {
  id: string;
  title: string;
  /** Absolute URLs, in the order they were asked for. */
  urls: string[];
  mode: DownloadMode;
  state: DownloadState;
  /** Set when `state` is `failed`. */
  failureReason?: DownloadFailureReason;
  /** The HTTP status behind a `bad-status` failure of the fallback (Background Fetch does not report it). */
  failureStatus?: number;
  /** Bytes stored (fallback) or fetched so far (Background Fetch, as last reported). */
  bytesDone: number;
  /** The total size when every file's size is known. */
  bytesTotal?: number;
  /** The fallback lost the network (or got a transient status) and is waiting to retry from where it stands. */
  waitingForNetwork?: boolean;
  icons?: DownloadIcon[];
  createdAt: number;
  updatedAt: number;
}

/** One stored file of a download: the bytes from offset 0 that arrived so far, as chunks. */
export interface StoredFile {
  url: string;
  downloadId: string;
  /** Bytes stored, from offset 0. */
  stored: number;
  /** The full size, when the server said. */
  size?: number;
  /** The `Content-Type` to answer with. */
  type: string;
  /** The version the stored bytes belong to. */
  validator: Validator;
  /** Every byte is stored and the file may be served. */
  complete: boolean;
}

/** Whether a download is finished, one way or the other. */
export function isSettled(download: Pick<Download, 'state'>): boolean {
  return download.state === 'succeeded' || download.state === 'failed';
}
