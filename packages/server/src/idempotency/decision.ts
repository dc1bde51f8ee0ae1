/** What is stored for a key, as the decision needs it. */
export interface KeyRecord {
  fingerprint: string;
  state: 'running' | 'done';
  status: number | null;
  headers: Record<string, string>;
  body: Uint8Array | null;
  createdAt: number;
  expiresAt: number;
}

/** What to do with a request that carries a key. */
export type KeyDecision =
  /** No live record: this request runs (the caller claims the key first). */
  | { kind: 'run' }
  /** A record exists but is expired, or its request was abandoned mid-run: take it over and run. */
  | { kind: 'take-over' }
  /** The first request finished: answer with its stored response. */
  | { kind: 'replay'; status: number; headers: Record<string, string>; body: Uint8Array | null }
  /** The first request is still running: 409. */
  | { kind: 'conflict' }
  /** The key was used for a different request: 422. */
  | { kind: 'mismatch' };

/**
 * Decides how to answer a request whose key already has `record` (or none), per the httpapi Idempotency-Key draft.
 *
 * `lockTimeoutMs` bounds how long a `running` record blocks its key: past it the first request is taken to have
 * died with its process (the only way a record stays `running`), and a retry may run.
 */
export function decide(
  record: KeyRecord | undefined,
  fingerprint: string,
  now: number,
  lockTimeoutMs: number,
): KeyDecision {
  if (!record) return { kind: 'run' };
  if (record.expiresAt <= now) return { kind: 'take-over' };
  if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (record.state === 'running') {
    return record.createdAt + lockTimeoutMs <= now ? { kind: 'take-over' } : { kind: 'conflict' };
  }
  return { kind: 'replay', status: record.status ?? 200, headers: record.headers, body: record.body };
}

/**
 * Whether a response is stored for replay. Only successes (2xx and 3xx) are: a handler that answers with an
 * error has made no change, so its key is released and a retry runs again — a 503 or a 422 for a recipient
 * that exists tomorrow is not frozen for the key's lifetime.
 */
export function isStoredStatus(status: number): boolean {
  return status >= 200 && status < 400;
}
