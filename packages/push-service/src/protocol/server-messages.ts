/** Headers a user agent needs to decrypt a notification, as the Mozilla protocol names them. */
export interface NotificationHeaders {
  encoding: 'aes128gcm' | 'aesgcm';
  encryption?: string;
  crypto_key?: string;
}

/** A push message as delivered to a user agent. */
export interface OutgoingNotification {
  channelID: string;
  version: string;
  ttl: number;
  /** base64url body; absent for a push without payload. */
  data?: string;
  headers?: NotificationHeaders;
}

/** `hello` reply. Firefox drops every subscription when the uaid differs from the one it stored. */
export function helloReply(uaid: string): string {
  return JSON.stringify({ messageType: 'hello', status: 200, uaid, use_webpush: true, broadcasts: {} });
}

/** `register` reply: status 200 with the endpoint, or an error status the user agent rejects the subscribe with. */
export function registerReply(channelID: string, result: { endpoint: string } | { status: number; reason: string }) {
  if ('endpoint' in result) {
    return JSON.stringify({ messageType: 'register', status: 200, channelID, pushEndpoint: result.endpoint });
  }
  return JSON.stringify({ messageType: 'register', status: result.status, channelID, reason: result.reason });
}

/** `unregister` reply. */
export function unregisterReply(channelID: string, status = 200): string {
  return JSON.stringify({ messageType: 'unregister', status, channelID });
}

/** `notification` frame. */
export function notificationFrame(n: OutgoingNotification): string {
  const frame: Record<string, unknown> = {
    messageType: 'notification',
    channelID: n.channelID,
    version: n.version,
    ttl: n.ttl,
  };
  if (n.data !== undefined) {
    frame.data = n.data;
    if (n.headers) frame.headers = n.headers;
  }
  return JSON.stringify(frame);
}

/** Answer to a keep-alive ping: Firefox only needs some message within 10 s. */
export function pingReply(): string {
  return '{}';
}

/** Close codes this service uses. 4774 tells Firefox not to reconnect; the others let it back off and retry. */
export const CloseCode = {
  /** Server shutting down; the user agent reconnects (to this or another node). */
  goingAway: 1001,
  /** A frame that broke the protocol. */
  protocolError: 1002,
  /** A connection that broke a limit: no `hello` in time. */
  policyViolation: 1008,
  /** The client did not read what it was sent; it may come back later. */
  tryAgainLater: 1013,
  /** The same UAID connected again (here or on another node): the newer connection wins. */
  replaced: 4000,
  /** Too many unacknowledged protocol errors or abuse: do not come back. */
  doNotReconnect: 4774,
} as const;
