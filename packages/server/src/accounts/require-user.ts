import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionUser } from './account-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user of this request (from the `outpost_session` cookie), or null. Set by the accounts plugin. */
    user: SessionUser | null;
  }
}

/**
 * preHandler that refuses a request without a valid session: 401 `{ statusCode, error, message }`.
 *
 * @example
 * ```ts
 * app.get('/api/notes', { preHandler: requireUser }, async (request) => listNotes(request.user!.id));
 * ```
 */
export async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.user) return;
  await reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'sign in required' });
}
