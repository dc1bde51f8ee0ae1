/**
 * Error numbers in answers to application servers. They follow autopush's where autopush has one (so existing
 * tooling reads them), and extend the list where it has none.
 */
export const Errno = {
  missingCryptoKeys: 101,
  invalidEndpoint: 102,
  expiredEndpoint: 103,
  payloadTooLarge: 104,
  invalidSubscription: 106,
  invalidAuthentication: 109,
  invalidCryptoKeys: 110,
  missingHeader: 111,
  invalidTtl: 112,
  invalidTopic: 113,
  invalidUrgency: 114,
  unsupportedEncoding: 115,
  keyMismatch: 116,
  rateLimited: 117,
  storageLimit: 118,
  notFound: 119,
  internal: 999,
} as const;

/** The JSON body of every error answer. */
export interface PushErrorBody {
  code: number;
  errno: number;
  error: string;
  message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A refusal with its HTTP status, errno and a reason fit for the application server's logs. */
export class PushError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'PushError';
  }

  /** The `{code, errno, error, message}` body. */
  toBody(): PushErrorBody {
    return { code: this.status, errno: this.errno, error: STATUS_TEXT[this.status] ?? 'Error', message: this.message };
  }
}
