import type { Migration } from '@outpost/store';

/**
 * The demo's chat tables, namespace `demo-chat`. `chat_messages` between two accounts, with `read_at` set when
 * the recipient read it; `chat_reads` records each applied mark-as-read request (the outbox sends each once).
 */
export const chatMigrations: Migration[] = [
  {
    name: '001-chat',
    async up(db) {
      await db.schema
        .createTable('chat_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sender_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('recipient_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('read_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('chat_messages_recipient_unread')
        .on('chat_messages')
        .columns(['recipient_id', 'read_at'])
        .execute();
      await db.schema
        .createIndex('chat_messages_pair')
        .on('chat_messages')
        .columns(['sender_id', 'recipient_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('chat_reads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reader_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('partner_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('marked', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
];
