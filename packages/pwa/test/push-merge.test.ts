import { describe, expect, it } from 'vitest';
import type { DeclarativeMessage } from '../src/push/declarative.js';
import { notificationFor, outpostData, type ShownNotification, type Summarize } from '../src/push/merge.js';

const scope = 'https://app.test/';
const fromAlice = (body: string): DeclarativeMessage => ({
  web_push: 8030,
  notification: {
    title: 'Alice',
    body,
    tag: 'chat:alice',
    navigate: '/chat?with=alice',
    data: { conversation: 'alice' },
    actions: [
      { action: 'mark-read', title: 'Mark as read' },
      { action: 'reply', title: 'Reply', navigate: '/chat?with=alice#reply' },
    ],
  },
  app_badge: 1,
});
const chatSummary: Summarize = (count, latest) => ({
  title: `${count} new messages from ${latest.title}`,
  body: latest.body,
});

/** What getNotifications would return after showing `spec`. */
function shown(spec: ReturnType<typeof notificationFor>): ShownNotification {
  return { title: spec.title, body: spec.options.body ?? '', tag: spec.options.tag ?? '', data: spec.options.data };
}

describe('notificationFor', () => {
  it('shows a first message as it is, with absolute targets and a count of 1', () => {
    const spec = notificationFor(fromAlice('Hi'), [], scope, chatSummary);
    expect(spec.title).toBe('Alice');
    expect(spec.options).toMatchObject({
      body: 'Hi',
      tag: 'chat:alice',
      renotify: false,
      actions: [
        { action: 'mark-read', title: 'Mark as read' },
        { action: 'reply', title: 'Reply' },
      ],
      data: {
        outpost: {
          navigate: 'https://app.test/chat?with=alice',
          count: 1,
          actions: { reply: 'https://app.test/chat?with=alice#reply' },
        },
        app: { conversation: 'alice' },
      },
    });
  });

  it('merges three messages of one conversation into one notification saying 3', () => {
    const first = notificationFor(fromAlice('one'), [], scope, chatSummary);
    const second = notificationFor(fromAlice('two'), [shown(first)], scope, chatSummary);
    const third = notificationFor(fromAlice('three'), [shown(second)], scope, chatSummary);
    expect(third.title).toBe('3 new messages from Alice');
    expect(third.options.body).toBe('three');
    expect(third.options.renotify).toBe(true);
    expect(outpostData(third.options.data)?.count).toBe(3);
  });

  it('does not count notifications of another tag, of someone else, or a message without a tag', () => {
    const other = {
      title: 'Bob',
      body: '',
      tag: 'chat:bob',
      data: { outpost: { navigate: scope, count: 5, actions: {} } },
    };
    const foreign = { title: 'x', body: '', tag: 'chat:alice', data: { something: 'else' } };
    expect(outpostData(notificationFor(fromAlice('a'), [other, foreign], scope).options.data)?.count).toBe(1);
    const untagged = fromAlice('b');
    delete untagged.notification.tag;
    const previous = { ...other, tag: '' };
    const spec = notificationFor(untagged, [previous], scope);
    expect(spec.options.tag).toBeUndefined();
    expect(outpostData(spec.options.data)?.count).toBe(1);
  });

  it('uses the default summary without one', () => {
    const first = notificationFor(fromAlice('one'), [], scope);
    expect(notificationFor(fromAlice('two'), [shown(first)], scope).title).toBe('Alice (2)');
  });
});

describe('outpostData', () => {
  it('refuses data this toolkit did not write', () => {
    expect(outpostData(null)).toBeNull();
    expect(outpostData({ outpost: { navigate: '/', count: 0 } })).toBeNull();
    expect(outpostData({ outpost: { navigate: 1, count: 1 } })).toBeNull();
    expect(outpostData({ outpost: { navigate: '/', count: 2 } })).toEqual({ navigate: '/', count: 2, actions: {} });
  });
});
