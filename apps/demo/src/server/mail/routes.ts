import { type AttemptLimit, AttemptLimiter, idempotency, idempotentTransaction, requireUser } from '@outpost/server';
import { migrate, type Store } from '@outpost/store';
import { Ajv } from 'ajv';
import type { FastifyPluginAsync } from 'fastify';
import { MailStore } from './mail-store.js';
import { mailMigrations } from './migrations.js';

/** Options of {@link mailRoutes}. */
export interface MailRoutesOptions {
  store: Store;
  /** Mails each account may send per window; past it, 429 with Retry-After. Default 30 per minute. */
  sendLimit?: AttemptLimit;
  now?: () => number;
}

const DEFAULT_SEND_LIMIT: AttemptLimit = { max: 30, timeWindowMs: 60_000 };

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
 * - `POST /api/mail` `{ to, subject, body, from? }` -> 201 `{ message }`; idempotent in the transactional form
 *   (an `Idempotency-Key` is required, the outbox sends one; the mail and the stored answer commit together);
 *   422 when `to` is no account; 403 when `from` (the writer, as older pages recorded it) is not the signed-in
 *   user; 429 with Retry-After past the account's send limit;
 * - `GET /api/mail/inbox`, `GET /api/mail/sent` -> `{ messages }`, newest first (at most 100);
 * - `GET /api/mail/recipients` -> `{ recipients }`: the other accounts' names.
 * Needs the accounts plugin registered first (it provides `request.user`).
 */
export const mailRoutes: FastifyPluginAsync<MailRoutesOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  await migrate(options.store, 'demo-mail', mailMigrations);
  const mail = new MailStore(options.store.db);
  // Counted per account in this process: a replayed (already stored) send does not reach the handler or count.
  const sendLimit = options.sendLimit ?? DEFAULT_SEND_LIMIT;
  const sent = new AttemptLimiter(sendLimit);
  await app.register(idempotency, { store: options.store, now });
  // Fastify's default Ajv strips unknown properties; a mail with a field we do not know is refused instead.
  const ajv = new Ajv({ removeAdditional: false, useDefaults: false, coerceTypes: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  app.post<{ Body: SendBody }>(
    '/api/mail',
    {
      preHandler: requireUser,
      schema: { body: sendSchema },
      config: { idempotency: { mode: 'required', transactional: true } },
    },
    async (request, reply) => {
      const sender = request.user as NonNullable<typeof request.user>;
      const waitMs = sent.retryAfterMs(sender.id, now());
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        reply.header('retry-after', String(seconds));
        return reply.code(429).send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `send limit of ${sendLimit.max} mails per ${sendLimit.timeWindowMs / 1000} s reached: try again in ${seconds} s`,
        });
      }
      // Every query of this request goes through its transaction (on SQLite it holds the one connection).
      const tx = new MailStore(idempotentTransaction(request));
      const { from } = request.body;
      if (from !== undefined && from.toLowerCase() !== sender.username.toLowerCase()) {
        return reply.code(403).send({
          statusCode: 403,
          error: 'Forbidden',
          message: `written as ${from} but signed in as ${sender.username}: sign in as ${from} and retry`,
        });
      }
      const recipient = await tx.findMailbox(request.body.to);
      if (!recipient) {
        return reply.code(422).send({
          statusCode: 422,
          error: 'Unprocessable Entity',
          message: `no such recipient: ${request.body.to}`,
        });
      }
      const message = await tx.insert(sender, recipient, request.body.subject, request.body.body, now());
      sent.record(sender.id, now());
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
