import { decide } from './decision.js';
import type { ClaimStore, KeyId } from './key-store.js';

/** What a request with a key does: run (its claim is held under `token`), or answer without running. */
export type ClaimResult =
  | { kind: 'claimed'; token: string }
  | { kind: 'replay'; status: number; headers: Record<string, string>; body: Uint8Array | null }
  | { kind: 'conflict' }
  | { kind: 'mismatch' };

/** What {@link acquireClaim} needs besides the store. */
export interface ClaimRequest {
  id: KeyId;
  fingerprint: string;
  /** The token this request's claim will carry (random, unique per request). */
  token: string;
  now: () => number;
  ttlMs: number;
  lockTimeoutMs: number;
}

/**
 * Claims a key for a request, or says how to answer instead. A claim can lose a race with another request that
 * claims or finishes at the same moment; the record is then read again and decides. After two lost races the
 * answer is `conflict` (409, retry later): a handler never runs without holding the claim.
 */
export async function acquireClaim(keys: ClaimStore, request: ClaimRequest): Promise<ClaimResult> {
  const { id, fingerprint, token, ttlMs, lockTimeoutMs } = request;
  for (let round = 0; round < 2; round++) {
    const at = request.now();
    const decision = decide(await keys.find(id), fingerprint, at, lockTimeoutMs);
    switch (decision.kind) {
      case 'run':
        if (await keys.claim(id, fingerprint, token, at, at + ttlMs)) return { kind: 'claimed', token };
        break;
      case 'take-over':
        if (await keys.takeOver(id, fingerprint, token, at, at + ttlMs, at - lockTimeoutMs)) {
          return { kind: 'claimed', token };
        }
        break;
      default:
        return decision;
    }
  }
  return { kind: 'conflict' };
}
