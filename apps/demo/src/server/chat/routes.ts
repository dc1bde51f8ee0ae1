import { idempotency, requireUser, type SessionUser } from '@outpost/server';
import { migrate, type Store } from '@outpost/store';
import { Ajv } from 'ajv';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { chatNotification } from './chat-notification.js';
import { type ChatAccount, type ChatTables, chatQueries } from './chat-store.js';
import { chatMigrations } from './migrations.js';

/** Options of {@link chatRoutes}. */
export interface ChatRoutesOptions {
  store: Store;
  now?: () => number;
}

interface SendBody {
  to: string;
  body: string;
  /** Who wrote it, as the page knew it: a message queued by one user is never sent as another. */
  from?: string;
}

const sendSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'body'],
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 32 },
    body: { type: 'string', minLength: 1, maxLength: 2000 },
    from: { type: 'string', minLength: 1, maxLength: 32 },
  },
} as const;

const partnerParams = {
  type: 'object',
  required: ['partner'],
  properties: { partner: { type: 'string', minLength: 1, maxLength: 32 } },
} as const;

/** How long a chat notification may wait for a device that is offline: a day. */
const NOTIFICATION_TTL_SECONDS = 24 * 60 * 60;

/**
 * The Chat API of the demo, for signed-in users (needs the accounts and push plugins registered first):
 * - `GET /api/chat/conversations` -> `{ conversations, unread }`: every other account with its unread count;
 * - `GET /api/chat/conversations/:partner` -> `{ messages, unread, readRequests }`;
 * - `POST /api/chat/messages` `{ to, body, from? }` -> 201 `{ message }`, idempotent (the outbox sends an
 *   `Idempotency-Key`); the message and the recipient's notification (with the unread count as `app_badge`)
 *   commit in one transaction;
 * - `POST /api/chat/conversations/:partner/read` -> `{ marked, unread }`, idempotent: marks what the partner sent
 *   read.
 */
export const chatRoutes: FastifyPluginAsync<ChatRoutesOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  await migrate(options.store, 'demo-chat', chatMigrations);
  const db = options.store.db as Kysely<ChatTables>;
  await app.register(idempotency, { store: options.store, now });
  const ajv = new Ajv({ removeAdditional: false, useDefaults: false, coerceTypes: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  const me = (user: SessionUser | null): ChatAccount => {
    // Every route here runs requireUser first, which answers 401 without a session.
    if (!user) throw new Error('chat route reached without a session');
    return { id: user.id, username: user.username };
  };
  const partnerOr404 = async (name: string, reply: FastifyReply): Promise<ChatAccount | null> => {
    const partner = await chatQueries.account(db, name);
    if (!partner) {
      await reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no such account: ${name}` });
      return null;
    }
    return partner;
  };

  app.get('/api/chat/conversations', { preHandler: requireUser }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const account = me(request.user);
    return {
      conversations: await chatQueries.conversations(db, account),
      unread: await chatQueries.unreadTotal(db, account.id),
    };
  });

  app.get<{ Params: { partner: string } }>(
    '/api/chat/conversations/:partner',
    { preHandler: requireUser, schema: { params: partnerParams } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const account = me(request.user);
      const partner = await partnerOr404(request.params.partner, reply);
      if (!partner) return reply;
      return {
        messages: await chatQueries.between(db, account, partner),
        unread: await chatQueries.unreadTotal(db, account.id),
        readRequests: await chatQueries.readRequests(db, account, partner),
      };
    },
  );

  app.post<{ Body: SendBody }>(
    '/api/chat/messages',
    { preHandler: requireUser, schema: { body: sendSchema }, config: { idempotency: 'required' } },
    async (request, reply) => {
      const sender = me(request.user);
      const { from, to, body } = request.body;
      if (from !== undefined && from.toLowerCase() !== sender.username.toLowerCase()) {
        return reply.code(403).send({
          statusCode: 403,
          error: 'Forbidden',
          message: `written as ${from} but signed in as ${sender.username}: sign in as ${from} and retry`,
        });
      }
      const recipient = await chatQueries.account(db, to);
      if (!recipient || recipient.id === sender.id) {
        return reply
          .code(422)
          .send({ statusCode: 422, error: 'Unprocessable Entity', message: `no such recipient: ${to}` });
      }
      const at = now();
      // The message and its notification commit together: no notification for a message that was rolled back,
      // no message whose notification was lost.
      const message = await db.transaction().execute(async (trx) => {
        const inserted = await chatQueries.insert(trx, sender, recipient, body, at);
        const unread = await chatQueries.unreadTotal(trx, recipient.id);
        await app.push.notify<ChatTables>(
          [recipient.id],
          chatNotification(sender.username, body, inserted.id, unread, at),
          { ttl: NOTIFICATION_TTL_SECONDS, urgency: 'high' },
          trx,
        );
        return inserted;
      });
      return reply.code(201).send({ message });
    },
  );

  app.post<{ Params: { partner: string } }>(
    '/api/chat/conversations/:partner/read',
    { preHandler: requireUser, schema: { params: partnerParams }, config: { idempotency: 'required' } },
    async (request, reply) => {
      const account = me(request.user);
      const partner = await partnerOr404(request.params.partner, reply);
      if (!partner) return reply;
      const marked = await db.transaction().execute((trx) => chatQueries.markRead(trx, account, partner, now()));
      return { marked, unread: await chatQueries.unreadTotal(db, account.id) };
    },
  );
};
