import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeclarativePushError, parseDeclarative, parsePushPayload } from '../src/push/declarative.js';

const defaults = { title: 'Outpost', navigate: 'https://app.test/' };

describe('parseDeclarative', () => {
  it('accepts the full format of the spec and drops members it does not know', () => {
    const message = parseDeclarative({
      web_push: 8030,
      notification: {
        title: 'Alice',
        navigate: '/chat?with=alice',
        body: 'Hi',
        lang: 'en',
        dir: 'ltr',
        tag: 'chat:alice',
        icon: '/i.png',
        badge: '/b.png',
        timestamp: 5,
        silent: false,
        requireInteraction: true,
        data: { from: 'alice' },
        actions: [
          { action: 'mark-read', title: 'Mark as read' },
          { action: 'open', title: 'Open', navigate: '/x' },
        ],
        extra: 'ignored',
      },
      app_badge: 3,
      mutable: true,
      unknown: 1,
    });
    expect(message).toEqual({
      web_push: 8030,
      notification: {
        title: 'Alice',
        navigate: '/chat?with=alice',
        body: 'Hi',
        lang: 'en',
        dir: 'ltr',
        tag: 'chat:alice',
        icon: '/i.png',
        badge: '/b.png',
        timestamp: 5,
        silent: false,
        requireInteraction: true,
        data: { from: 'alice' },
        actions: [
          { action: 'mark-read', title: 'Mark as read' },
          { action: 'open', title: 'Open', navigate: '/x' },
        ],
      },
      app_badge: 3,
      mutable: true,
    });
  });

  it.each([
    [{ web_push: 9001, notification: { title: 't', navigate: '/' } }, 'web_push must be 8030'],
    [{ web_push: 8030 }, 'notification must be an object'],
    [{ web_push: 8030, notification: { navigate: '/' } }, 'notification.title is required'],
    [{ web_push: 8030, notification: { title: 't' } }, 'notification.navigate is required'],
    [{ web_push: 8030, notification: { title: 't', navigate: '/', body: 3 } }, 'notification.body must be a string'],
    [
      { web_push: 8030, notification: { title: 't', navigate: '/', dir: 'up' } },
      'notification.dir is auto, ltr or rtl',
    ],
    [
      { web_push: 8030, notification: { title: 't', navigate: '/' }, app_badge: -1 },
      'app_badge must be a whole number >= 0',
    ],
    [
      { web_push: 8030, notification: { title: 't', navigate: '/' }, app_badge: 1.5 },
      'app_badge must be a whole number >= 0',
    ],
    [
      { web_push: 8030, notification: { title: 't', navigate: '/', actions: [{ title: 'x' }] } },
      'notification.actions[0].action is required',
    ],
  ])('refuses %j: %s', (value, reason) => {
    expect(() => parseDeclarative(value)).toThrow(new DeclarativePushError(reason));
  });
});

describe('parsePushPayload', () => {
  it('shows plain text under the default title, and a push without payload as the bare title', () => {
    expect(parsePushPayload('Hello there', defaults)).toEqual({
      web_push: 8030,
      notification: { title: 'Outpost', navigate: 'https://app.test/', body: 'Hello there' },
    });
    expect(parsePushPayload(null, defaults).notification).toEqual({ title: 'Outpost', navigate: 'https://app.test/' });
  });

  it('shows JSON that is not a valid declarative message as text rather than nothing', () => {
    const text = JSON.stringify({ web_push: 8030, notification: { title: 'no navigate' } });
    expect(parsePushPayload(text, defaults).notification.body).toBe(text);
  });

  it('always yields a notification with a title and a target, whatever the payload', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constant(null)), (payload) => {
        const { notification } = parsePushPayload(payload, defaults);
        expect(notification.title.length).toBeGreaterThan(0);
        expect(notification.navigate.length).toBeGreaterThan(0);
        expect((notification.body ?? '').length).toBeLessThanOrEqual(1000);
      }),
    );
  });

  it('round-trips any valid declarative message through its JSON', () => {
    const message = fc.record({
      web_push: fc.constant(8030 as const),
      notification: fc.record(
        {
          title: fc.string({ minLength: 1 }),
          navigate: fc.string({ minLength: 1 }),
          body: fc.string(),
          tag: fc.string(),
          silent: fc.boolean(),
        },
        { requiredKeys: ['title', 'navigate'] },
      ),
      app_badge: fc.nat(),
    });
    fc.assert(
      fc.property(message, (m) => {
        expect(parsePushPayload(JSON.stringify(m), defaults)).toEqual(m);
      }),
    );
  });
});
