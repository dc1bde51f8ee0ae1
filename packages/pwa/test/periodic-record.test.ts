import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPeriodicMessage } from '../src/periodic/messages.js';
import { isDue, isValidTag, type PeriodicRunRecord, recordRun } from '../src/periodic/record.js';

// The pure rules of the periodic capability: when the fallback may run, how a run record carries the last
// success, and which messages the channel lets through.

const outcome = fc.constantFrom<PeriodicRunRecord['outcome']>('ok', 'failed', 'timed-out');

describe('isDue', () => {
  it('is due when the tag never ran', () => {
    expect(isDue(undefined, 0, 3_600_000, 60_000)).toBe(true);
  });

  it('after a success, waits exactly the interval', () => {
    fc.assert(
      fc.property(fc.nat(1e12), fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), (startedAt, interval, retry, elapsed) => {
        expect(isDue({ startedAt, outcome: 'ok' }, startedAt + elapsed, interval, retry)).toBe(elapsed >= interval);
      }),
    );
  });

  it('after a failure or a timeout, waits the shorter of the retry delay and the interval', () => {
    fc.assert(
      fc.property(
        fc.nat(1e12),
        fc.nat(1e9),
        fc.nat(1e9),
        fc.nat(1e9),
        fc.constantFrom<PeriodicRunRecord['outcome']>('failed', 'timed-out'),
        (startedAt, interval, retry, elapsed, ended) => {
          const due = isDue({ startedAt, outcome: ended }, startedAt + elapsed, interval, retry);
          expect(due).toBe(elapsed >= Math.min(interval, retry));
        },
      ),
    );
  });

  it('never makes two runs closer than the interval after a success (a monotonic clock)', () => {
    fc.assert(
      fc.property(fc.nat(1e12), fc.integer({ min: 1, max: 1e9 }), fc.nat(1e9), (startedAt, interval, retry) => {
        expect(isDue({ startedAt, outcome: 'ok' }, startedAt + interval - 1, interval, retry)).toBe(false);
      }),
    );
  });

  it('treats a last run in the future (clock set back) as due', () => {
    expect(isDue({ startedAt: 10_000, outcome: 'ok' }, 5_000, 3_600_000, 60_000)).toBe(true);
  });
});

describe('recordRun', () => {
  it('keeps the previous lastSuccessAt unless this run succeeded', () => {
    fc.assert(
      fc.property(
        fc.option(fc.nat(1e12), { nil: null }),
        fc.nat(1e12),
        outcome,
        (previousSuccess, startedAt, ended) => {
          const previous: PeriodicRunRecord = {
            tag: 't',
            source: 'fallback',
            startedAt: 0,
            durationMs: 1,
            outcome: 'ok',
            lastSuccessAt: previousSuccess,
          };
          const record = recordRun(previous, {
            tag: 't',
            source: 'periodicsync',
            startedAt,
            durationMs: 5,
            outcome: ended,
          });
          expect(record.lastSuccessAt).toBe(ended === 'ok' ? startedAt : previousSuccess);
        },
      ),
    );
  });

  it('has no last success when the first run failed', () => {
    const record = recordRun(undefined, {
      tag: 't',
      source: 'fallback',
      startedAt: 9,
      durationMs: 1,
      outcome: 'failed',
    });
    expect(record.lastSuccessAt).toBeNull();
  });
});

describe('isValidTag', () => {
  it('accepts the MDN tag and refuses empty, long or odd tags', () => {
    expect(isValidTag('update-news')).toBe(true);
    expect(isValidTag('')).toBe(false);
    expect(isValidTag('x'.repeat(65))).toBe(false);
    expect(isValidTag('news feed')).toBe(false);
  });
});

describe('isPeriodicMessage', () => {
  const record: PeriodicRunRecord = {
    tag: 'update-news',
    source: 'fallback',
    startedAt: 1,
    durationMs: 2,
    outcome: 'timed-out',
    lastSuccessAt: null,
  };

  it('accepts each member of the union', () => {
    expect(isPeriodicMessage({ type: 'outpost:periodic-run', tag: 'a', requestId: 'r' })).toBe(true);
    expect(isPeriodicMessage({ type: 'outpost:periodic-ran', tag: 'a', requestId: null, record })).toBe(true);
    expect(isPeriodicMessage({ type: 'outpost:periodic-changed', tag: 'a' })).toBe(true);
  });

  it('refuses other capabilities, missing fields and malformed records', () => {
    expect(isPeriodicMessage({ type: 'outpost:outbox-replay', queue: 'mail' })).toBe(false);
    expect(isPeriodicMessage({ type: 'outpost:periodic-run', tag: 'a' })).toBe(false);
    expect(isPeriodicMessage({ type: 'outpost:periodic-ran', tag: 'a', requestId: 'r', record: { tag: 'a' } })).toBe(
      false,
    );
    expect(
      isPeriodicMessage({
        type: 'outpost:periodic-ran',
        tag: 'a',
        requestId: 'r',
        record: { ...record, outcome: 'meh' },
      }),
    ).toBe(false);
    expect(isPeriodicMessage(null)).toBe(false);
    expect(isPeriodicMessage('outpost:periodic-run')).toBe(false);
  });
});
