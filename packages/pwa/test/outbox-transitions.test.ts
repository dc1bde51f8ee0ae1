import { describe, expect, it } from 'vitest';
import type { OutboxItem } from '../src/outbox/item.js';
import { describeReason } from '../src/outbox/item-wording.js';
import type { Outcome } from '../src/outbox/response-outcome.js';
import {
  applyOutcome,
  assertCancellable,
  createItem,
  nextStep,
  OutboxActionError,
  resumeAfterSignIn,
  retryNow,
} from '../src/outbox/transitions.js';

const NOW = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;
const CLAIM = { leaseMs: 10_000, retentionMs: 7 * DAY };
const OUTCOME = { backoff: { baseMs: 1000, maxMs: 60_000 }, random: () => 0 };

function item(overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    ...createItem({
      id: 'item-1',
      idempotencyKey: 'key-1',
      queue: 'mail',
      label: { subject: 'Hi' },
      now: NOW,
      request: { url: 'http://localhost/api/mail', method: 'POST', headers: [], body: '{}' },
    }),
    ...overrides,
  };
}

const claimed = (owner = 'me', at = NOW) => {
  const step = nextStep(item(), owner, at, CLAIM);
  if (step.kind !== 'claim') throw new Error(`expected a claim, got ${step.kind}`);
  return step.item;
};

describe('nextStep', () => {
  it('is idle on an empty queue', () => {
    expect(nextStep(undefined, 'me', NOW, CLAIM)).toEqual({ kind: 'idle' });
  });

  it('claims a due pending head under a lease and counts the attempt', () => {
    expect(claimed()).toMatchObject({ state: 'sending', attempts: 1, lease: { owner: 'me', until: NOW + 10_000 } });
  });

  it('reports busy while another replayer holds a live lease, and reclaims once it ran out', () => {
    const held = claimed('other');
    expect(nextStep(held, 'me', NOW + 9_999, CLAIM)).toEqual({ kind: 'busy', until: NOW + 10_000 });
    const step = nextStep(held, 'me', NOW + 10_000, CLAIM);
    expect(step).toMatchObject({ kind: 'claim', item: { attempts: 2, lease: { owner: 'me' } } });
  });

  it('waits for a backing-off head instead of sending the items behind it', () => {
    expect(nextStep(item({ nextAttemptAt: NOW + 5000 }), 'me', NOW, CLAIM)).toEqual({
      kind: 'waiting',
      until: NOW + 5000,
    });
  });

  it('marks an item failed (never deletes it) after the retention limit', () => {
    const step = nextStep(item(), 'me', NOW + 7 * DAY, CLAIM);
    expect(step.kind).toBe('expire');
    if (step.kind === 'expire') {
      // Recorded as the span in milliseconds by the replayer; the page reads it in words.
      expect(step.item).toMatchObject({ state: 'failed', reason: 7 * DAY });
      expect(describeReason(step.item.reason)).toBe('not sent within 7 days; it was kept, not sent');
      // Items that earlier versions failed hold the span in a sentence.
      expect(describeReason('not sent within 604800000 ms; it was kept, not sent')).toBe(
        'not sent within 7 days; it was kept, not sent',
      );
    }
    expect(nextStep(item(), 'me', NOW + 7 * DAY - 1, CLAIM).kind).toBe('claim');
  });
});

describe('applyOutcome', () => {
  const sent: Outcome = { kind: 'sent', status: 201, body: '{"id":7}' };

  it('marks sent on success and keeps the response', () => {
    expect(applyOutcome(claimed(), 'me', sent, NOW + 5, OUTCOME)).toMatchObject({
      state: 'sent',
      status: 201,
      sentAt: NOW + 5,
      lease: null,
      response: '{"id":7}',
    });
  });

  it('puts a retryable failure back to pending with backoff, Retry-After winning when longer', () => {
    const retry: Outcome = { kind: 'retry', status: 503, error: 'HTTP 503', retryAfterMs: null };
    expect(applyOutcome(claimed(), 'me', retry, NOW, OUTCOME)).toMatchObject({
      state: 'pending',
      nextAttemptAt: NOW + 500,
      lastError: 'HTTP 503',
      lease: null,
    });
    const later = applyOutcome(claimed(), 'me', { ...retry, retryAfterMs: 20_000 }, NOW, OUTCOME);
    expect(later?.nextAttemptAt).toBe(NOW + 20_000);
  });

  it('waits for sign-in on 401 and fails with the reason on other 4xx', () => {
    const signIn: Outcome = { kind: 'needs-sign-in', status: 401, reason: 'sign in required' };
    expect(applyOutcome(claimed(), 'me', signIn, NOW, OUTCOME)).toMatchObject({ state: 'needs-sign-in' });
    const failed: Outcome = { kind: 'failed', status: 422, reason: 'no such recipient' };
    expect(applyOutcome(claimed(), 'me', failed, NOW, OUTCOME)).toMatchObject({
      state: 'failed',
      status: 422,
      reason: 'no such recipient',
    });
  });

  it('never changes a sent item again', () => {
    const done = applyOutcome(claimed(), 'me', sent, NOW, OUTCOME) as OutboxItem;
    expect(applyOutcome(done, 'me', sent, NOW, OUTCOME)).toBeNull();
    expect(applyOutcome(done, 'me', { kind: 'failed', status: 422, reason: 'x' }, NOW, OUTCOME)).toBeNull();
  });

  it('lets a replayer whose lease was taken over record only a success', () => {
    const stolen = { ...claimed('me'), lease: { owner: 'other', until: NOW + 20_000 } };
    expect(
      applyOutcome(stolen, 'me', { kind: 'retry', status: null, error: 'reset', retryAfterMs: null }, NOW, OUTCOME),
    ).toBeNull();
    expect(applyOutcome(stolen, 'me', sent, NOW, OUTCOME)?.state).toBe('sent');
  });
});

describe('user actions', () => {
  it('retries failed and needs-sign-in items now with the same key and a fresh retention period', () => {
    const failed = item({ state: 'failed', reason: 'x', nextAttemptAt: NOW + 99 });
    expect(retryNow(failed, NOW + 3 * DAY)).toMatchObject({
      state: 'pending',
      idempotencyKey: 'key-1',
      nextAttemptAt: NOW + 3 * DAY,
      activeSince: NOW + 3 * DAY,
      reason: null,
    });
  });

  it('refuses to retry or cancel an item that is being or was sent', () => {
    expect(() => retryNow(claimed(), NOW)).toThrow(OutboxActionError);
    expect(() => assertCancellable(claimed(), NOW)).toThrow(/being sent/);
    expect(() => assertCancellable(item({ state: 'sent' }), NOW)).toThrow(/already sent/);
    expect(() => assertCancellable(claimed('other'), NOW + 10_000)).not.toThrow();
    for (const state of ['pending', 'failed', 'needs-sign-in'] as const) {
      expect(() => assertCancellable(item({ state }), NOW)).not.toThrow();
    }
  });

  it('resumes only items that waited for sign-in', () => {
    expect(resumeAfterSignIn(item({ state: 'needs-sign-in' }), NOW)).toMatchObject({ state: 'pending' });
    expect(resumeAfterSignIn(item({ state: 'failed' }), NOW)).toBeNull();
  });
});

describe('reconnection', () => {
  it('waives the backoff of an item whose last attempt got no answer, never a server-imposed one', () => {
    const offline = item({ attempts: 2, nextAttemptAt: NOW + 60_000, status: null });
    expect(nextStep(offline, 'me', NOW, CLAIM).kind).toBe('waiting');
    expect(nextStep(offline, 'me', NOW, { ...CLAIM, reconnected: true }).kind).toBe('claim');
    const throttled = item({ attempts: 2, nextAttemptAt: NOW + 60_000, status: 429 });
    expect(nextStep(throttled, 'me', NOW, { ...CLAIM, reconnected: true }).kind).toBe('waiting');
  });
});
