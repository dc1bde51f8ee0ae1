// The Chat API's wire shape, shared by the server and the page. It imports nothing, so the page's project can
// type-check it under the DOM lib.

/** A chat message as the Chat API returns it. */
export interface ChatMessage {
  id: string;
  from: string;
  to: string;
  body: string;
  sentAt: number;
  /** When the recipient read it; null while unread. */
  readAt: number | null;
}

/** One conversation of the signed-in account: the other account, its unread count and last message. */
export interface ChatConversation {
  with: string;
  unread: number;
  last: ChatMessage | null;
}

/** The action id of the notification button that marks a conversation read. */
export const MARK_READ_ACTION = 'mark-read';

/** The notification tag of a conversation: one notification per conversation, merged. */
export function conversationTag(partner: string): string {
  return `chat:${partner.toLowerCase()}`;
}

/** The page that shows a conversation. */
export function conversationPath(partner: string): string {
  return `/chat?with=${encodeURIComponent(partner)}`;
}

/** The read endpoint of a conversation. */
export function readPath(partner: string): string {
  return `/api/chat/conversations/${encodeURIComponent(partner)}/read`;
}
