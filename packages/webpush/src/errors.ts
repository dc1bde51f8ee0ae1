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
