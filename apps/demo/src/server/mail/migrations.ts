import type { Migration } from '@outpost/store';

/** The demo's mail table, namespace `demo-mail`. Sender and recipient are accounts (`accounts_users.id`). */
export const mailMigrations: Migration[] = [
  {
    name: '001-mail-messages',
    async up(db) {
      await db.schema
        .createTable('mail_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sender_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('recipient_id', 'text', (c) => c.notNull().references('accounts_users.id').onDelete('cascade'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('mail_messages_recipient')
        .on('mail_messages')
        .columns(['recipient_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('mail_messages_sender')
        .on('mail_messages')
        .columns(['sender_id', 'created_at'])
        .execute();
    },
  },
];
