import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { lowerBadge, readBadge, setBadge } from '../src/badge/badge.web.js';
import { BADGE_CHANNEL, type BadgeMessage } from '../src/badge/messages.js';
import { readSavedSubscription, writeSavedSubscription } from '../src/push/saved-subscription.web.js';

// The persisted count (the worker's truth between pushes) and the saved subscription, on fake-indexeddb.

afterEach(async () => {
  await setBadge(0);
});

describe('the stored badge', () => {
  it('keeps the server count, lowers it never below 0 and tells other contexts', async () => {
    const heard: number[] = [];
    const channel = new BroadcastChannel(BADGE_CHANNEL);
    channel.onmessage = (event: MessageEvent<BadgeMessage>) => heard.push(event.data.count);
    expect(await setBadge(3)).toBe(3);
    expect(await readBadge()).toBe(3);
    expect(await lowerBadge(2)).toBe(1);
    expect(await lowerBadge(5)).toBe(0);
    await expect.poll(() => heard).toEqual([3, 1, 0]);
    channel.close();
  });
});

describe('the saved subscription', () => {
  it('is written, read back and forgotten', async () => {
    expect(await readSavedSubscription()).toBeNull();
    await writeSavedSubscription({ endpoint: 'https://push.test/1', key: 'BKey' });
    expect(await readSavedSubscription()).toEqual({ endpoint: 'https://push.test/1', key: 'BKey' });
    await writeSavedSubscription(null);
    expect(await readSavedSubscription()).toBeNull();
  });
});
