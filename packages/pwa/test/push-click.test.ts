import { describe, expect, it } from 'vitest';
import { planClick, sameView, type WindowInfo } from '../src/push/click.js';

const scope = 'https://app.test/';
const target = 'https://app.test/chat?with=alice';
const w = (id: string, url: string, focused = false): WindowInfo => ({ id, url, focused });

describe('planClick', () => {
  it('focuses a window already showing the conversation (the fragment does not matter)', () => {
    expect(planClick(target, [w('1', 'https://app.test/mail'), w('2', `${target}#m5`)], scope)).toEqual({
      kind: 'focus',
      windowId: '2',
    });
  });

  it('prefers the focused one of several windows showing it', () => {
    expect(planClick(target, [w('1', target), w('2', target, true)], scope)).toEqual({ kind: 'focus', windowId: '2' });
  });

  it('focuses an app window and then navigates it when none shows the conversation', () => {
    const windows = [w('1', 'https://app.test/mail'), w('2', 'https://app.test/chat?with=bob', true)];
    expect(planClick(target, windows, scope)).toEqual({ kind: 'focus-then-navigate', windowId: '2', url: target });
    expect(planClick(target, [w('1', 'https://app.test/news')], scope)).toEqual({
      kind: 'focus-then-navigate',
      windowId: '1',
      url: target,
    });
  });

  it('opens a window when no window of the app is open', () => {
    expect(planClick(target, [], scope)).toEqual({ kind: 'open', url: target });
    expect(planClick(target, [w('1', 'https://app.test.evil/chat?with=alice')], scope)).toEqual({
      kind: 'open',
      url: target,
    });
  });

  it('takes the app notion of "the same view"', () => {
    const byConversation = (a: string, b: string) =>
      new URL(a).searchParams.get('with') === new URL(b).searchParams.get('with');
    expect(planClick(target, [w('1', 'https://app.test/chat?with=alice&tab=2')], scope, byConversation)).toEqual({
      kind: 'focus',
      windowId: '1',
    });
  });
});

describe('sameView', () => {
  it('compares origin, path and query', () => {
    expect(sameView('https://app.test/a?x=1#f', 'https://app.test/a?x=1')).toBe(true);
    expect(sameView('https://app.test/a?x=2', 'https://app.test/a?x=1')).toBe(false);
    expect(sameView('http://app.test/a', 'https://app.test/a')).toBe(false);
    expect(sameView('not a url', 'https://app.test/a')).toBe(false);
  });
});
