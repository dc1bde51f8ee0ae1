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
}

const sendSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'subject', 'body'],
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 32 },
    subject: { type: 'string', maxLength: 200 },
    body: { type: 'string', maxLength: 20_000 },
  },
} as const;

/**
 * The Mail API of the demo, for signed-in users:
 * - `POST /api/mail` `{ to, subject, body }` -> 201 `{ message }`; idempotent (an `Idempotency-Key` is required,
 *   the outbox sends one); 422 when `to` is no account;
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
