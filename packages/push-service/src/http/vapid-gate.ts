import { timingSafeEqual } from 'node:crypto';
import { verifyVapid } from '@outpost/webpush';
import { applicationServerKeyHash } from '../endpoint-token.js';
import { Errno, PushError } from './push-error.js';

const CACHE_LIMIT = 10_000;

/**
 * Checks VAPID (RFC 8292) on pushes. Application servers reuse one JWT per audience for hours, so a verified header
 * is remembered until its `exp`: the ECDSA verify runs once per token, not once per message.
 */
export class VapidGate {
  readonly #verified = new Map<string, { keyHash: Uint8Array; expMs: number }>();

  /** @param audience this service's public origin, which `aud` must name. */
  constructor(private readonly audience: () => string) {}

  /**
   * Throws {@link PushError} unless the push may proceed: without Authorization only unrestricted subscriptions
   * accept it (401 otherwise); a present header must verify (401); a restricted subscription accepts only its own
   * applicationServerKey (403).
   */
  async check(authorization: string | undefined, cryptoKey: string | undefined, keyHash?: Uint8Array): Promise<void> {
    if (!authorization) {
      if (keyHash) {
        throw new PushError(401, Errno.invalidAuthentication, 'this subscription is restricted: VAPID is required');
      }
      return;
    }
    const verifiedHash = await this.#verify(authorization, cryptoKey);
    if (keyHash) {
      if (!timingSafeEqual(verifiedHash, keyHash)) {
        throw new PushError(
          403,
          Errno.keyMismatch,
          'VAPID key is not the applicationServerKey this subscription was made with',
        );
      }
    }
  }

  /** Verifies the header (or finds it verified) and returns the hash of its public key. */
  async #verify(authorization: string, cryptoKey: string | undefined): Promise<Uint8Array> {
    const cacheKey = authorization.startsWith('vapid') ? authorization : `${authorization}\n${cryptoKey ?? ''}`;
    const now = Date.now();
    const hit = this.#verified.get(cacheKey);
    if (hit && hit.expMs > now) return hit.keyHash;
    const result = await verifyVapid({ authorization, cryptoKey, audience: this.audience(), now });
    if (!result.ok) {
      throw new PushError(401, Errno.invalidAuthentication, `VAPID ${result.reason}: ${result.message}`);
    }
    if (this.#verified.size >= CACHE_LIMIT) this.#verified.clear();
    const keyHash = applicationServerKeyHash(result.publicKey);
    this.#verified.set(cacheKey, { keyHash, expMs: result.claims.exp * 1000 });
    return keyHash;
  }
}
