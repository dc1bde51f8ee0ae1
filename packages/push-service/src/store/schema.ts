import type { Migration } from '@outpost/store';
import { type Generated, sql } from 'kysely';

/** User agents: durable so a reconnecting Firefox keeps its UAID (a new one makes it drop every subscription). */
export interface UaidTable {
  uaid: string;
  created_at: number;
  /** The node holding this user agent's WebSocket, or null; a hint for routing, never trusted for delivery. */
  connected_node: string | null;
}

/** Subscriptions (channels) of a user agent. */
export interface ChannelTable {
  uaid: string;
  channel_id: string;
  /** base64url SHA-256 of the applicationServerKey, for restricted subscriptions. */
  key_hash: string | null;
  created_at: number;
}

/** Undelivered (or delivered but unacknowledged) messages, in arrival order by `seq`. */
export interface MessageTable {
  seq: Generated<number>;
  id: string;
  uaid: string;
  channel_id: string;
  topic: string | null;
  ttl: number;
  expires_at: number;
  urgency: string;
  /** base64url body, as it goes out in the `notification` frame. */
  data: string | null;
  encoding: string | null;
  encryption: string | null;
  crypto_key: string | null;
  created_at: number;
}

/** The push service's tables. */
export interface PushTables {
  push_uaids: UaidTable;
  push_channels: ChannelTable;
  push_messages: MessageTable;
}

/** Migrations of the `push-service` namespace; one list for SQLite and Postgres. */
export const pushMigrations: Migration[] = [
  {
    name: '001-uaids-channels-messages',
    async up(db, dialect) {
      await db.schema
        .createTable('push_uaids')
        .addColumn('uaid', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('connected_node', 'text')
        .execute();
      await db.schema
        .createTable('push_channels')
        .addColumn('uaid', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('push_channels_pk', ['uaid', 'channel_id'])
        .execute();
      // SQLite's INTEGER PRIMARY KEY is the rowid: ever-increasing without a separate sequence.
      const seqType = dialect === 'postgres' ? sql`bigserial` : sql`integer`;
      await db.schema
        .createTable('push_messages')
        .addColumn('seq', seqType, (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('uaid', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text')
        .addColumn('ttl', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('urgency', 'text', (c) => c.notNull())
        .addColumn('data', 'text')
        .addColumn('encoding', 'text')
        .addColumn('encryption', 'text')
        .addColumn('crypto_key', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('push_messages_uaid_seq').on('push_messages').columns(['uaid', 'seq']).execute();
      await db.schema
        .createIndex('push_messages_topic')
        .on('push_messages')
        .columns(['uaid', 'channel_id', 'topic'])
        .where(sql.ref('topic'), 'is not', null)
        .execute();
      await db.schema.createIndex('push_messages_expires').on('push_messages').column('expires_at').execute();
    },
  },
];
