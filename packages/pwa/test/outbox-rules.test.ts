import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/outbox/backoff.js';
import { queueOfSyncTag, syncTag } from '../src/outbox/item.js';
import { describeError, describeReason, serverReason } from '../src/outbox/item-wording.js';
import { isOutboxMessage } from '../src/outbox/messages.js';
import { toStored } from '../src/outbox/outbox-database.web.js';
import { fromStored } from '../src/outbox/page-store.web.js';
import { idempotencyKeyHeaderValue } from '../src/outbox/request-headers.js';
import {
  classifyResponse,
  networkFailure,
  type Outcome,
  parseRetryAfter,
  type ResponseSummary,
} from '../src/outbox/response-outcome.js';
import { applyOutcome, createItem, nextStep } from '../src/outbox/transitions.js';

const NOW = Date.UTC(2030, 0, 1);
const response = (status: number, extra: Partial<ResponseSummary> = {}): ResponseSummary => ({
  status,
  retryAfter: null,
  body: '',
  contentType: null,
  ...extra,
});

/** The outcome as a page reads it: recorded on a claimed item by a replayer, then read through the page's store. */
function pageSees(outcome: Outcome) {
  const queued = createItem({
    id: 'item-1',
    idempotencyKey: 'key-1',
    queue: 'mail',
    label: null,
    now: NOW,
    request: { url: 'http://localhost/api/mail', method: 'POST', headers: [], body: '{}' },
  });
  const step = nextStep(queued, 'sw', NOW, { leaseMs: 1000, retentionMs: 1e9 });
  if (step.kind !== 'claim') throw new Error(`expected a claim, got ${step.kind}`);
  const recorded = applyOutcome(step.item, 'sw', outcome, NOW, { backoff: {}, random: () => 0 });
  if (!recorded) throw new Error('the outcome was not recorded');
  const { state, status, reason, lastError } = fromStored(toStored(recorded, 1));
  return { state, status, reason, lastError };
}

describe('classifyResponse (the outcome rules)', () => {
  it('treats every 2xx as sent, a stored-response replay included', () => {
    expect(classifyResponse(response(201, { body: '{"id":1}' }), NOW)).toEqual({
      kind: 'sent',
      status: 201,
      body: '{"id":1}',
    });
    expect(classifyResponse(response(200, { body: '{"id":1}' }), NOW).kind).toBe('sent');
    expect(classifyResponse(response(204), NOW).kind).toBe('sent');
  });

  it('waits for sign-in on 401, and the page reads the server reason', () => {
    const body = JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'sign in required' });
    const outcome = classifyResponse(response(401, { body, contentType: 'application/json' }), NOW);
    expect(outcome).toMatchObject({ kind: 'needs-sign-in', status: 401 });
    expect(pageSees(outcome)).toEqual({
      state: 'needs-sign-in',
      status: 401,
      reason: 'sign in required',
      lastError: null,
    });
  });

  it.each([408, 409, 425, 429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(classifyResponse(response(status), NOW)).toMatchObject({ kind: 'retry', status, retryAfterMs: null });
  });

  it('honours Retry-After in seconds and as a date', () => {
    expect(classifyResponse(response(503, { retryAfter: '120' }), NOW)).toMatchObject({ retryAfterMs: 120_000 });
    const date = new Date(NOW + 90_000).toUTCString();
    expect(classifyResponse(response(429, { retryAfter: date }), NOW)).toMatchObject({ retryAfterMs: 90_000 });
  });

  it.each([400, 403, 404, 405, 410, 413, 415, 422])(
    'fails %i for good, and the page reads the server reason',
    (status) => {
      const body = JSON.stringify({ detail: 'no such recipient: zed' });
      const outcome = classifyResponse(response(status, { body, contentType: 'application/problem+json' }), NOW);
      expect(outcome).toMatchObject({ kind: 'failed', status });
      expect(pageSees(outcome)).toEqual({ state: 'failed', status, reason: 'no such recipient: zed', lastError: null });
    },
  );

  it('records a refusal as the answer itself, unworded, for the page to word', () => {
    const answer = response(422, { body: ' {"message":"no such recipient: zed"} ', contentType: 'application/json' });
    expect(classifyResponse(answer, NOW)).toEqual({ kind: 'failed', status: 422, reason: answer });
    const busy = response(503, { body: 'down for maintenance', contentType: 'text/plain', retryAfter: '5' });
    expect(classifyResponse(busy, NOW)).toEqual({ kind: 'retry', status: 503, error: busy, retryAfterMs: 5000 });
  });

  it('lets the page read a retryable answer as "HTTP <status>: <reason>"', () => {
    const busy = response(503, { body: 'down for maintenance', contentType: 'text/plain' });
    expect(pageSees(classifyResponse(busy, NOW))).toEqual({
      state: 'pending',
      status: 503,
      reason: null,
      lastError: 'HTTP 503: down for maintenance',
    });
    const html = response(502, { body: '<html>bad gateway</html>', contentType: 'text/html' });
    expect(pageSees(classifyResponse(html, NOW)).lastError).toBe('HTTP 502: HTTP 502');
  });

  it('treats a missing response as retryable', () => {
    expect(networkFailure(new TypeError('Failed to fetch'))).toEqual({
      kind: 'retry',
      status: null,
      error: 'TypeError: Failed to fetch',
      retryAfterMs: null,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates and ignores the unreadable', () => {
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter(' 5 ', NOW)).toBe(5000);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-3', NOW)).toBeNull();
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });
});

describe('serverReason', () => {
  it('prefers JSON message, detail, title, error, then text, then the status', () => {
    const json = (value: unknown) => ({ status: 400, body: JSON.stringify(value), contentType: 'application/json' });
    expect(serverReason(json({ message: 'a', detail: 'b' }))).toBe('a');
    expect(serverReason(json({ title: 'c', error: 'd' }))).toBe('c');
    expect(serverReason(json({ error: 'd' }))).toBe('d');
    expect(serverReason(json([1]))).toBe('[1]');
    expect(serverReason({ status: 400, body: 'plain words', contentType: 'text/plain' })).toBe('plain words');
    expect(serverReason({ status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' })).toBe('HTTP 502');
    expect(serverReason({ status: 400, body: '', contentType: null })).toBe('HTTP 400');
    expect(serverReason({ status: 400, body: 'x'.repeat(1000), contentType: null })).toHaveLength(300);
  });
});

describe('describeReason and describeError', () => {
  it('word recorded answers and read reasons stored in words as they are', () => {
    const answer = { status: 422, contentType: 'application/json', body: '{"message":"no such recipient"}' };
    expect(describeReason(answer)).toBe('no such recipient');
    expect(describeError(answer)).toBe('HTTP 422: no such recipient');
    // Items recorded by earlier versions hold their words already.
    expect(describeReason('no such recipient')).toBe('no such recipient');
    expect(describeError('HTTP 503: HTTP 503')).toBe('HTTP 503: HTTP 503');
    expect(describeError('TypeError: Failed to fetch')).toBe('TypeError: Failed to fetch');
    expect(describeReason(null)).toBeNull();
    expect(describeError(null)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base, stays within [half, all] of the schedule and under the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, r) => {
          const ceiling = Math.min(300_000, 1000 * 2 ** (attempts - 1));
          const delay = backoffDelay(attempts, {}, () => r, null);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('lets a longer Retry-After win and a shorter one not shorten the schedule', () => {
    expect(backoffDelay(1, { baseMs: 1000 }, () => 0, 30_000)).toBe(30_000);
    expect(backoffDelay(4, { baseMs: 1000 }, () => 0, 10)).toBe(4000);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 250 }, () => 0.999_999, null)).toBe(250);
  });
});

describe('wire and messages', () => {
  it('quotes keys as structured strings', () => {
    expect(idempotencyKeyHeaderValue('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe(
      '"8e03978e-40d5-43e8-bc93-6894a57f9324"',
    );
    expect(idempotencyKeyHeaderValue('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('maps queues to one sync tag each and back', () => {
    expect(syncTag('mail')).toBe('outpost-outbox:mail');
    expect(queueOfSyncTag('outpost-outbox:mail')).toBe('mail');
    expect(queueOfSyncTag('other')).toBeNull();
  });

  it('recognises only well-formed outbox messages', () => {
    expect(isOutboxMessage({ type: 'outpost:outbox-replay', queue: 'mail' })).toBe(true);
    expect(isOutboxMessage({ type: 'outpost:outbox-changed', queue: 'mail', id: 'x' })).toBe(true);
    expect(isOutboxMessage({ type: 'outpost:outbox-changed', queue: 'mail' })).toBe(false);
    expect(isOutboxMessage({ type: 'outpost:skip-waiting' })).toBe(false);
    expect(isOutboxMessage(null)).toBe(false);
  });
});
