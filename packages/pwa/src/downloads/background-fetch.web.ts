// The Background Fetch API (WICG spec, Chromium only) as far as this capability uses it. TypeScript's libs do
// not declare it, so it is typed here once, structurally, for the page and the worker.

/** `BackgroundFetchRecord`: one request of a fetch and its response once it arrived. */
export interface BackgroundFetchRecordLike {
  readonly request: Request;
  /** Resolves with the response; rejects when none arrived (or, in Chromium, sometimes spuriously). */
  readonly responseReady: Promise<Response>;
}

/** The failure reasons of a Background Fetch; `''` while none. */
export type BackgroundFetchFailureReasonValue =
  | ''
  | 'aborted'
  | 'bad-status'
  | 'fetch-error'
  | 'quota-exceeded'
  | 'download-total-exceeded';

/** `BackgroundFetchRegistration`. */
export interface BackgroundFetchRegistrationLike extends EventTarget {
  readonly id: string;
  readonly downloadTotal: number;
  readonly downloaded: number;
  readonly result: '' | 'success' | 'failure';
  readonly failureReason: BackgroundFetchFailureReasonValue;
  readonly recordsAvailable: boolean;
  abort(): Promise<boolean>;
  match(request: RequestInfo): Promise<BackgroundFetchRecordLike | undefined>;
  matchAll(): Promise<BackgroundFetchRecordLike[]>;
}

/** The options of `backgroundFetch.fetch()`. */
export interface BackgroundFetchOptionsLike {
  title?: string;
  icons?: { src: string; sizes?: string; type?: string }[];
  downloadTotal?: number;
}

/** `BackgroundFetchManager` (`registration.backgroundFetch`). */
export interface BackgroundFetchManagerLike {
  fetch(
    id: string,
    requests: RequestInfo[],
    options?: BackgroundFetchOptionsLike,
  ): Promise<BackgroundFetchRegistrationLike>;
  get(id: string): Promise<BackgroundFetchRegistrationLike | undefined>;
  getIds(): Promise<string[]>;
}

/** The Background Fetch manager of a registration, where the browser has one. */
export function backgroundFetchOf(registration: ServiceWorkerRegistration): BackgroundFetchManagerLike | undefined {
  const manager = (registration as ServiceWorkerRegistration & { backgroundFetch?: BackgroundFetchManagerLike })
    .backgroundFetch;
  return manager && typeof manager.fetch === 'function' ? manager : undefined;
}
