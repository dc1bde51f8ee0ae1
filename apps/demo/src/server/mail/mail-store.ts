import { randomUUID } from 'node:crypto';
import type { Store } from '@outpost/store';
import type { Kysely } from 'kysely';
import type { MailMessage } from './mail-message.js';

export type { MailMessage } from './mail-message.js';

interface MailTables {
  mail_messages: {
    id: string;
    sender_id: string;
    recipient_id: string;
    subject: string;
    body: string;
    created_at: number;
  };
  // The accounts plugin's table (docs/server.md): mail addresses are account names.
  accounts_users: { id: string; username: string; username_key: string };
}

/** An account a mail can be sent to. */
export interface Mailbox {
  id: string;
  username: string;
}

const LIST_LIMIT = 100;

/** The mail table's queries, on the store or on one transaction (the send route's). */
export class MailStore {
  readonly #db: Kysely<MailTables>;

  constructor(db: Store['db']) {
    this.#db = db as Kysely<MailTables>;
  }

  /** The account called `username` (any case), or null. */
  async findMailbox(username: string): Promise<Mailbox | null> {
    const row = await this.#db
      .selectFrom('accounts_users')
      .select(['id', 'username'])
      .where('username_key', '=', username.toLowerCase())
      .executeTakeFirst();
    return row ?? null;
  }

  /** Every other account's name, alphabetically: who can be written to. */
  async recipients(exceptUserId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('accounts_users')
      .select('username')
      .where('id', '!=', exceptUserId)
      .orderBy('username_key')
      .limit(500)
      .execute();
    return rows.map((row) => row.username);
  }

  async insert(from: Mailbox, to: Mailbox, subject: string, body: string, now: number): Promise<MailMessage> {
    const id = randomUUID();
    await this.#db
      .insertInto('mail_messages')
      .values({ id, sender_id: from.id, recipient_id: to.id, subject, body, created_at: now })
      .execute();
    return { id, from: from.username, to: to.username, subject, body, sentAt: now };
  }

  /** The newest messages received by (`inbox`) or sent by (`sent`) a user. */
  async list(userId: string, folder: 'inbox' | 'sent'): Promise<MailMessage[]> {
    const rows = await this.#db
      .selectFrom('mail_messages as m')
      .innerJoin('accounts_users as s', 's.id', 'm.sender_id')
      .innerJoin('accounts_users as r', 'r.id', 'm.recipient_id')
      .select([
        'm.id as id',
        's.username as from',
        'r.username as to',
        'm.subject as subject',
        'm.body as body',
        'm.created_at as sentAt',
      ])
      .where(folder === 'inbox' ? 'm.recipient_id' : 'm.sender_id', '=', userId)
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id')
      .limit(LIST_LIMIT)
      .execute();
    return rows;
  }
}
