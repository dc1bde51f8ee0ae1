import type { DeclarativePush } from '@outpost/server';
import { conversationPath, conversationTag, MARK_READ_ACTION } from './chat-wire.js';

/** The longest message text a notification carries: the whole push must stay under 3,000 bytes (Firefox Android). */
export const NOTIFICATION_TEXT_LIMIT = 400;

/**
 * The Declarative Web Push message for a new chat message: titled with the sender, one tag per conversation (the
 * worker merges them), a click opens the conversation, a "Mark as read" button, and the recipient's unread count
 * from the database as the badge. The text goes as text: the notification shows it verbatim.
 */
export function chatNotification(
  from: string,
  text: string,
  messageId: string,
  unread: number,
  now: number,
): DeclarativePush {
  const body = text.length > NOTIFICATION_TEXT_LIMIT ? `${text.slice(0, NOTIFICATION_TEXT_LIMIT - 1)}…` : text;
  return {
    web_push: 8030,
    notification: {
      title: from,
      body,
      navigate: conversationPath(from),
      tag: conversationTag(from),
      timestamp: now,
      data: { from, messageId },
      actions: [{ action: MARK_READ_ACTION, title: 'Mark as read', navigate: conversationPath(from) }],
    },
    app_badge: unread,
    mutable: true,
  };
}
