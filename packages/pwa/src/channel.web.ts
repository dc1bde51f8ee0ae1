// The one typed-channel helper every capability uses for its page <-> worker messages. A capability declares
// one discriminated union of messages (`type` prefixed `outpost:<capability>-`), one channel name, and one type
// guard; this module turns a BroadcastChannel into a typed pipe that drops anything the guard refuses (other
// capabilities' messages, an app's own, a hostile frame's), so listeners never see an unchecked payload.

/** A message of this toolkit: a member of a discriminated union on `type`, always prefixed `outpost:`. */
export interface ToolkitMessage {
  type: `outpost:${string}`;
}

/** A type guard a capability exports for its message union. */
export type MessageGuard<M extends ToolkitMessage> = (data: unknown) => data is M;

/** One capability's BroadcastChannel, typed by its message union. */
export interface TypedChannel<M extends ToolkitMessage> {
  /** Sends to every other page and worker of the origin listening on this channel (never to the sender). */
  post(message: M): void;
  /** Calls `listener` with each message that passes the guard; returns the function that stops listening. */
  subscribe(listener: (message: M) => void): () => void;
  /** Closes the channel; later `post` calls are ignored. */
  close(): void;
}

/**
 * Opens the BroadcastChannel `name` typed by the guard `isMessage`.
 *
 * @example
 * ```ts
 * const channel = openChannel(OUTBOX_CHANNEL, isOutboxMessage);
 * const stop = channel.subscribe((message) => {
 *   if (message.type === 'outpost:outbox-changed') refresh(message.queue);
 * });
 * ```
 */
export function openChannel<M extends ToolkitMessage>(name: string, isMessage: MessageGuard<M>): TypedChannel<M> {
  const channel = new BroadcastChannel(name);
  let closed = false;
  return {
    post(message) {
      if (!closed) channel.postMessage(message);
    },
    subscribe(listener) {
      const onMessage = (event: MessageEvent): void => {
        if (isMessage(event.data)) listener(event.data);
      };
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
    close() {
      closed = true;
      channel.close();
    },
  };
}

/**
 * Posts one message on the BroadcastChannel `name` without keeping the channel: for a worker that only
 * announces (a precache report, a cache update) and never listens, so it needs no guard. Typed by the
 * capability's union like {@link TypedChannel.post}.
 *
 * @example
 * ```ts
 * broadcast<CachingMessage>(CACHING_CHANNEL, { type: 'outpost:cache-updated', cacheName, url });
 * ```
 */
export function broadcast<M extends ToolkitMessage>(name: string, message: M): void {
  const channel = new BroadcastChannel(name);
  channel.postMessage(message);
  channel.close();
}
