import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutbox, type Outbox } from '../src/outbox/outbox.client.js';
import { classifyResponse } from '../src/outbox/response-outcome.js';

// Issue 12 item 9: a queued request is bound to the account that made it, and never goes out as another.

beforeAll(() => {
  Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
  Object.defineProperty(globalThis, 'location', { value: new URL('http://localhost/mail'), configurable: true });
});

const opened: Outbox[] = [];
afterEach(() => {
  for (const outbox of opened.splice(0)) outbox.close();
});

const mismatch = JSON.stringify({
  statusCode: 401,
  error: 'Unauthorized',
  code: 'OUTPOST_ACCOUNT_MISMATCH',
  message: 'x',
});

describe('issue 12 item 9: outbox items bound to their account', () => {
  it('classifies the account-mismatch 401 as needs-sign-in, a 403 as failed', () => {
    const answer = (status: number, body: string) => ({
      status,
      body,
      contentType: 'application/json',
      retryAfter: null,
    });
    expect(classifyResponse(answer(401, mismatch), 0).kind).toBe('needs-sign-in');
    expect(classifyResponse(answer(403, '{"message":"no"}'), 0).kind).toBe('failed');
  });

  it('sends the account with every attempt, waits while another is signed in, goes out for its own account', async () => {
    const session = { account: 'bob' };
    const delivered: { as: string; subject: string }[] = [];
    const seen: (string | null)[] = [];
    // A server like @outpost/server's accounts plugin: a request bound to another account is refused.
    const fetch = async (request: Request) => {
      const bound = request.headers.get('outpost-account');
      seen.push(bound);
      if (bound !== null && bound !== session.account) {
        return new Response(mismatch, { status: 401, headers: { 'content-type': 'application/json' } });
      }
      delivered.push({ as: session.account, ...((await request.json()) as { subject: string }) });
      return new Response('{}', { status: 201, headers: { 'content-type': 'application/json' } });
    };
    const outbox = await createOutbox({ queue: 'account-test', autoReplay: false, fetch, locks: null });
    opened.push(outbox);
    const id = await outbox.send({
      url: '/api/mail',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'from alice' }),
      account: 'alice',
    });
    await outbox.replay();
    const waiting = (await outbox.list()).find((item) => item.id === id);
    expect(waiting).toMatchObject({ state: 'needs-sign-in', account: 'alice', status: 401 });
    expect(seen).toEqual(['alice']);
    // Bob signs in again: alice's mail stays where it is.
    expect(await outbox.resume('bob')).toBe(0);
    await outbox.replay();
    expect(delivered).toEqual([]);
    // Alice signs in: it goes out, as alice.
    session.account = 'alice';
    expect(await outbox.resume('alice')).toBe(1);
    await outbox.replay();
    expect(delivered).toEqual([{ as: 'alice', subject: 'from alice' }]);
    expect((await outbox.list()).find((item) => item.id === id)?.state).toBe('sent');
  });
});
