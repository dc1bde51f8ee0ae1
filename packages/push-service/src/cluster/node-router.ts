import type { OutgoingNotification } from '../protocol/server-messages.js';

/** A note from one node to the node holding a user agent's connection. */
export interface RouteHint {
  uaid: string;
  /**
   * A TTL=0 message, which is never stored and so must travel in the hint itself. Without it, the hint means
   * "new messages are stored for this user agent: read them".
   */
  ephemeral?: OutgoingNotification;
  /** The user agent reconnected to this node: the receiving node closes the connection it still holds. */
  movedTo?: string;
}

/**
 * Carries {@link RouteHint}s between push-service nodes. Storage stays the source of truth: a lost hint only delays
 * delivery until the user agent reconnects (or the next hint for it), it never loses a stored message.
 */
export interface NodeRouter {
  /** This node's ID, recorded in `push_uaids.connected_node` while it holds a user agent. */
  readonly nodeId: string;
  /** Whether other nodes exist to route to (so connections must be recorded in the store). */
  readonly clustered: boolean;
  /**
   * Starts receiving hints for this node. `onResync` runs after the channel was interrupted and hints may have been
   * missed: the node then re-reads storage for every user agent it holds.
   */
  start(onHint: (hint: RouteHint) => void, onResync: () => void): Promise<void>;
  /** Sends a hint to another node. Best effort. */
  send(node: string, hint: RouteHint): Promise<void>;
  close(): Promise<void>;
}

/** The single-node router (SQLite): every user agent is local, there is nobody to route to. */
export class LocalRouter implements NodeRouter {
  readonly clustered = false;
  constructor(readonly nodeId: string) {}
  async start(): Promise<void> {}
  async send(): Promise<void> {}
  async close(): Promise<void> {}
}
