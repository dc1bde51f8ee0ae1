/** Why a Web Push crypto or VAPID operation refused its input. */
export type PushCryptoErrorCode =
  | 'payload-too-large'
  | 'invalid-p256dh'
  | 'invalid-auth'
  | 'invalid-base64'
  | 'invalid-key'
  | 'invalid-record-size'
  | 'invalid-padding'
  | 'invalid-subject'
  | 'invalid-expiration'
  | 'invalid-endpoint'
  | 'invalid-header'
  | 'decrypt-failed';

/**
 * A typed error for bad input to encryption, decryption or VAPID signing. `code` is stable and meant for
 * programs; `message` is for people and names the offending value or limit.
 *
 * @example
 * try { await encrypt(text, keys); } catch (e) { if (e instanceof PushCryptoError && e.code === 'payload-too-large') … }
 */
export class PushCryptoError extends Error {
  override readonly name = 'PushCryptoError';
  readonly code: PushCryptoErrorCode;

  constructor(code: PushCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Why a send was refused before any request was made. */
export type PushRequestErrorCode = 'invalid-topic' | 'invalid-ttl' | 'invalid-urgency' | 'invalid-option';

/**
 * A typed error for bad send options (TTL, Urgency, Topic, retry policy): a programming error, thrown
 * before anything goes on the wire. Bad subscriptions are not thrown; they come back as an `invalid` result.
 */
export class PushRequestError extends Error {
  override readonly name = 'PushRequestError';
  readonly code: PushRequestErrorCode;

  constructor(code: PushRequestErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
