import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { PushTables } from '../store/schema.js';
import type { NodeRouter, RouteHint } from './node-router.js';

const RECONNECT_MS = 1000;

/** The LISTEN/NOTIFY channel of a node. Node IDs are hex, so the name is a safe identifier (< 63 bytes). */
export function nodeChannel(nodeId: string): string {
  return `outpost_push_${nodeId}`;
}

/**
 * Routes hints between nodes sharing one Postgres with LISTEN/NOTIFY: each node listens on its own channel on a
 * dedicated connection; a sender looks up `push_uaids.connected_node` and NOTIFYs that node's channel (a payload
 * under Postgres's 8000-byte limit: a TTL=0 message of 4096 bytes is about 5.5 KB in base64url).
 */
export class PostgresRouter implements NodeRouter {
  readonly clustered = true;
  #client: pg.Client | undefined;
  #closed = false;
  #onHint: ((hint: RouteHint) => void) | undefined;
  #onResync: (() => void) | undefined;

  constructor(
    readonly nodeId: string,
    private readonly url: string,
    private readonly db: Kysely<PushTables>,
    private readonly log: Logger,
  ) {}

  async start(onHint: (hint: RouteHint) => void, onResync: () => void): Promise<void> {
    this.#onHint = onHint;
    this.#onResync = onResync;
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (!n.payload) return;
      try {
        this.#onHint?.(JSON.parse(n.payload) as RouteHint);
      } catch (error) {
        this.log.warn({ err: error }, 'dropped a malformed route hint');
      }
    });
    client.on('error', (error) => {
      this.log.warn({ err: error }, 'route listener connection failed; reconnecting');
    });
    client.on('end', () => {
      if (this.#closed || this.#client !== client) return;
      this.#client = undefined;
      setTimeout(() => void this.#reconnect(), RECONNECT_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${nodeChannel(this.nodeId)}`);
    this.#client = client;
  }

  async #reconnect(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#connect();
      this.#onResync?.();
    } catch (error) {
      this.log.warn({ err: error }, 'route listener reconnect failed; retrying');
      setTimeout(() => void this.#reconnect(), RECONNECT_MS).unref();
    }
  }

  async send(node: string, hint: RouteHint): Promise<void> {
    await sql`select pg_notify(${nodeChannel(node)}, ${JSON.stringify(hint)})`.execute(this.db);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
