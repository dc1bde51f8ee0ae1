import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ChatConversation, ChatMessage } from './chat-wire.js';

/** The chat tables (and the accounts table, whose names are chat addresses). */
export interface ChatTables {
  chat_messages: {
    id: string;
    sender_id: string;
    recipient_id: string;
    body: string;
    created_at: number;
    read_at: number | null;
  };
  chat_reads: { id: string; reader_id: string; partner_id: string; marked: number; created_at: number };
  accounts_users: { id: string; username: string; username_key: string };
}

/** An account taking part in a conversation. */
export interface ChatAccount {
  id: string;
  username: string;
}

const LIST_LIMIT = 200;

/** The chat tables' queries; each takes the Kysely instance or transaction to run on. */
export const chatQueries = {
  /** The account called `username` (any case), or null. */
  async account(db: Kysely<ChatTables>, username: string): Promise<ChatAccount | null> {
    const row = await db
      .selectFrom('accounts_users')
      .select(['id', 'username'])
      .where('username_key', '=', username.toLowerCase())
      .executeTakeFirst();
    return row ?? null;
  },

  async insert(
    db: Kysely<ChatTables>,
    from: ChatAccount,
    to: ChatAccount,
    body: string,
    now: number,
  ): Promise<ChatMessage> {
    const id = randomUUID();
    await db
      .insertInto('chat_messages')
      .values({ id, sender_id: from.id, recipient_id: to.id, body, created_at: now, read_at: null })
      .execute();
    return { id, from: from.username, to: to.username, body, sentAt: now, readAt: null };
  },

  /** How many messages `userId` has not read, over all conversations (the badge). */
  async unreadTotal(db: Kysely<ChatTables>, userId: string): Promise<number> {
    const row = await db
      .selectFrom('chat_messages')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('recipient_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },

  /** The messages between two accounts, oldest first (the newest {@link LIST_LIMIT}). */
  async between(db: Kysely<ChatTables>, me: ChatAccount, partner: ChatAccount): Promise<ChatMessage[]> {
    const rows = await db
      .selectFrom('chat_messages as m')
      .innerJoin('accounts_users as s', 's.id', 'm.sender_id')
      .innerJoin('accounts_users as r', 'r.id', 'm.recipient_id')
      .select([
        'm.id as id',
        's.username as from',
        'r.username as to',
        'm.body as body',
        'm.created_at as sentAt',
        'm.read_at as readAt',
      ])
      .where((eb) =>
        eb.or([
          eb.and([eb('m.sender_id', '=', me.id), eb('m.recipient_id', '=', partner.id)]),
          eb.and([eb('m.sender_id', '=', partner.id), eb('m.recipient_id', '=', me.id)]),
        ]),
      )
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id', 'desc')
      .limit(LIST_LIMIT)
      .execute();
    return rows
      .reverse()
      .map((row) => ({ ...row, sentAt: Number(row.sentAt), readAt: row.readAt === null ? null : Number(row.readAt) }));
  },

  /** Every other account, with the unread count and the last message of the conversation with it. */
  async conversations(db: Kysely<ChatTables>, me: ChatAccount): Promise<ChatConversation[]> {
    const others = await db
      .selectFrom('accounts_users')
      .select(['id', 'username'])
      .where('id', '!=', me.id)
      .orderBy('username_key')
      .limit(LIST_LIMIT)
      .execute();
    const unread = await db
      .selectFrom('chat_messages')
      .select(['sender_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('recipient_id', '=', me.id)
      .where('read_at', 'is', null)
      .groupBy('sender_id')
      .execute();
    const unreadBy = new Map(unread.map((row) => [row.sender_id, Number(row.n)]));
    const result: ChatConversation[] = [];
    for (const other of others) {
      const last = (await chatQueries.between(db, me, other)).at(-1) ?? null;
      result.push({ with: other.username, unread: unreadBy.get(other.id) ?? 0, last });
    }
    return result;
  },

  /** Marks what `partner` sent to `me` read and records the request; returns how many were marked. */
  async markRead(db: Kysely<ChatTables>, me: ChatAccount, partner: ChatAccount, now: number): Promise<number> {
    const result = await db
      .updateTable('chat_messages')
      .set({ read_at: now })
      .where('recipient_id', '=', me.id)
      .where('sender_id', '=', partner.id)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    const marked = Number(result.numUpdatedRows);
    await db
      .insertInto('chat_reads')
      .values({ id: randomUUID(), reader_id: me.id, partner_id: partner.id, marked, created_at: now })
      .execute();
    return marked;
  },

  /** How many mark-as-read requests `me` made for the conversation with `partner` (tests: exactly once). */
  async readRequests(db: Kysely<ChatTables>, me: ChatAccount, partner: ChatAccount): Promise<number> {
    const row = await db
      .selectFrom('chat_reads')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('reader_id', '=', me.id)
      .where('partner_id', '=', partner.id)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },
};
