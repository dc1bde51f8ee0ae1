import { idempotency, requireUser } from '@outpost/server';
import { migrate, type Store } from '@outpost/store';
import { Ajv } from 'ajv';
import type { FastifyPluginAsync } from 'fastify';
import { MailStore } from './mail-store.js';
import { mailMigrations } from './migrations.js';

/** Options of {@link mailRoutes}. */
export interface MailRoutesOptions {
  store: Store;
  now?: () => number;
}

interface SendBody {
  to: string;
  subject: string;
  body: string;
  /** Who wrote it, as the page knew it: a mail queued by one user is never sent as another. */
  from?: string;
}

const sendSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'subject', 'body'],
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 32 },
    subject: { type: 'string', maxLength: 200 },
    body: { type: 'string', maxLength: 20_000 },
    from: { type: 'string', minLength: 1, maxLength: 32 },
  },
} as const;

/**
 * The Mail API of the demo, for signed-in users:
 * - `POST /api/mail` `{ to, subject, body, from? }` -> 201 `{ message }`; idempotent (an `Idempotency-Key` is
 *   required, the outbox sends one); 422 when `to` is no account; 403 when `from` (the writer, as the page knew
 *   it when the mail was queued) is not the signed-in user;
 * - `GET /api/mail/inbox`, `GET /api/mail/sent` -> `{ messages }`, newest first (at most 100);
 * - `GET /api/mail/recipients` -> `{ recipients }`: the other accounts' names.
 * Needs the accounts plugin registered first (it provides `request.user`).
 */
export const mailRoutes: FastifyPluginAsync<MailRoutesOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  await migrate(options.store, 'demo-mail', mailMigrations);
  const mail = new MailStore(options.store);
  await app.register(idempotency, { store: options.store, now });
  // Fastify's default Ajv strips unknown properties; a mail with a field we do not know is refused instead.
  const ajv = new Ajv({ removeAdditional: false, useDefaults: false, coerceTypes: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  app.post<{ Body: SendBody }>(
    '/api/mail',
    { preHandler: requireUser, schema: { body: sendSchema }, config: { idempotency: 'required' } },
    async (request, reply) => {
      const sender = request.user as NonNullable<typeof request.user>;
      const { from } = request.body;
      if (from !== undefined && from.toLowerCase() !== sender.username.toLowerCase()) {
        return reply.code(403).send({
          statusCode: 403,
          error: 'Forbidden',
          message: `written as ${from} but signed in as ${sender.username}: sign in as ${from} and retry`,
        });
      }
      const recipient = await mail.findMailbox(request.body.to);
      if (!recipient) {
        return reply.code(422).send({
          statusCode: 422,
          error: 'Unprocessable Entity',
          message: `no such recipient: ${request.body.to}`,
        });
      }
      const message = await mail.insert(sender, recipient, request.body.subject, request.body.body, now());
      return reply.code(201).send({ message });
    },
  );

  for (const folder of ['inbox', 'sent'] as const) {
    app.get(`/api/mail/${folder}`, { preHandler: requireUser }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { messages: await mail.list((request.user as NonNullable<typeof request.user>).id, folder) };
    });
  }

  app.get('/api/mail/recipients', { preHandler: requireUser }, async (request) => ({
    recipients: await mail.recipients((request.user as NonNullable<typeof request.user>).id),
  }));
};
