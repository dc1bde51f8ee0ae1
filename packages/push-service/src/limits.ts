import type { RateLimit } from './http/rate-limiter.js';

/** Limits on user-agent connections; every field has a default ({@link DEFAULT_CONNECTION_LIMITS}). */
export interface ConnectionLimits {
  /** A WebSocket that has not sent `hello` by then is closed. */
  helloTimeoutMs: number;
  /** A session silent (no frame, no pong) this long is sent a WebSocket ping. */
  pingIntervalMs: number;
  /** A pinged session still silent this much later is dead: its TCP connection is cut. */
  pongTimeoutMs: number;
  /** Open WebSockets per source IP address; more are refused with HTTP 503 at the upgrade. */
  maxConnectionsPerAddress: number;
  /**
   * Bytes queued to one socket (not yet taken by the kernel) past which the connection is closed (1013): a client
   * that does not read cannot make the service hold its replies.
   */
  maxBufferedBytes: number;
  /** Queued bytes past which the service stops reading that socket until the queue drains. */
  pauseReadingBytes: number;
  /** Channels (subscriptions) per UAID; a `register` past it is answered with status 413. */
  maxChannelsPerUaid: number;
  /** `register` rate per UAID; past it a `register` is answered with status 429. */
  registerRate: RateLimit;
}

/** The defaults of {@link ConnectionLimits}. */
export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  helloTimeoutMs: 10_000,
  pingIntervalMs: 120_000,
  pongTimeoutMs: 30_000,
  maxConnectionsPerAddress: 256,
  maxBufferedBytes: 1024 * 1024,
  pauseReadingBytes: 64 * 1024,
  maxChannelsPerUaid: 500,
  registerRate: { perSecond: 2, burst: 30 },
};

/** Timeouts of the HTTP side (application servers' requests, and WebSocket upgrades before they complete). */
export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** A keep-alive connection idle between requests this long is closed. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic at all this long is closed. */
  idleTimeoutMs: number;
}

/** The defaults of {@link HttpTimeouts}. */
export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
};
