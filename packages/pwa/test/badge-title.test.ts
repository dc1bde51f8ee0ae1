import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBadgeMessage } from '../src/badge/messages.js';
import { badgeLabel, normalizeCount, titleWithCount } from '../src/badge/title.js';

describe('the title and favicon fallback', () => {
  it('prefixes the count and replaces an earlier one', () => {
    expect(titleWithCount('Chat', 3)).toBe('(3) Chat');
    expect(titleWithCount('(3) Chat', 4)).toBe('(4) Chat');
    expect(titleWithCount('(99+) Chat', 0)).toBe('Chat');
    expect(titleWithCount('Chat', 120)).toBe('(99+) Chat');
    expect(badgeLabel(0)).toBe('');
    expect(badgeLabel(7)).toBe('7');
    expect(badgeLabel(100)).toBe('99+');
  });

  it('keeps the bare title whatever counts come and go', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.integer({ min: 0, max: 500 })), (title, counts) => {
        const bare = titleWithCount(title, 0);
        let shown = title;
        for (const count of counts) shown = titleWithCount(shown, count);
        expect(titleWithCount(shown, 0)).toBe(bare);
      }),
    );
  });

  it('stores only whole counts >= 0', () => {
    expect(normalizeCount(3.7)).toBe(3);
    expect(normalizeCount(-2)).toBe(0);
    expect(normalizeCount('5')).toBe(0);
    expect(normalizeCount(Number.NaN)).toBe(0);
    expect(isBadgeMessage({ type: 'outpost:badge-changed', count: 2 })).toBe(true);
    expect(isBadgeMessage({ type: 'outpost:badge-changed', count: -1 })).toBe(false);
  });
});
