import { createOutbox, type DeclarativeMessage, type Outbox, type OutboxItem } from '@outpost/pwa/client';
import { effect, signal } from '@preact/signals';
import type { ChatConversation, ChatMessage } from '../../server/chat/chat-wire';
import { conversationPath, readPath } from '../../server/chat/chat-wire';
import { currentUser } from '../account';
import { resyncNotifications, setBadgeCount, startNotifications } from './notifications';

/** What the outbox shows for a chat item: a message, or a mark-as-read. */
export type ChatLabel = { to: string; text: string; from: string } | { markRead: string };

/** The conversations of the signed-in account, and whether they are the last copy seen. */
export const conversations = signal<{ list: ChatConversation[]; stale: boolean; loaded: boolean }>({
  list: [],
  stale: false,
  loaded: false,
});
/** The conversation on screen (the `with` parameter of /chat), or null. */
export const partner = signal<string | null>(partnerInUrl());
/** The messages of the conversation on screen. */
export const messages = signal<{ list: ChatMessage[]; stale: boolean }>({ list: [], stale: false });
/** The chat queue's items (messages waiting to be sent show in the conversation). */
export const chatOutbox = signal<OutboxItem[]>([]);

let outbox: Promise<Outbox> | null = null;
/** Conversations with a mark-as-read in the outbox not sent yet, and its item: one at a time is enough. */
const queuedReads = new Map<string, string>();

function partnerInUrl(): string | null {
  return location.pathname.replace(/\/+$/, '') === '/chat' ? new URLSearchParams(location.search).get('with') : null;
}

globalThis.addEventListener('popstate', () => {
  partner.value = partnerInUrl();
});

const copyKey = (userId: string, what: string) => `outpost.chat.${userId}.${what}`;

/**
 * Starts Chat: the chat outbox (replayed on load), push and the badge, and live updates: each push the worker
 * shows while this page is open refreshes the list and the conversation on screen.
 */
export function startChat(): void {
  if (outbox) return;
  const opened = createOutbox({ queue: 'chat' });
  outbox = opened;
  opened
    .then((box) => {
      box.subscribe((items) => {
        const sentNow = items.some(
          (item) =>
            item.state === 'sent' && !chatOutbox.value.some((old) => old.id === item.id && old.state === 'sent'),
        );
        chatOutbox.value = items;
        for (const [name, id] of queuedReads) {
          if (id === '') continue; // being stored right now
          const item = items.find((candidate) => candidate.id === id);
          if (!item || item.state === 'sent' || item.state === 'failed') queuedReads.delete(name);
        }
        if (sentNow) void refresh();
      });
      effect(() => {
        if (currentUser.value) void box.resume();
      });
    })
    .catch((error: unknown) => console.warn('chat outbox unavailable:', error));
  startNotifications((message) => onPush(message));
  effect(() => {
    if (currentUser.value) {
      void resyncNotifications();
      void refresh();
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && currentUser.value) void refresh();
  });
}

function onPush(message: DeclarativeMessage): void {
  if (message.app_badge !== undefined) void setBadgeCount(message.app_badge);
  void refresh();
}

function chatOutboxBox(): Promise<Outbox> {
  startChat();
  return outbox as Promise<Outbox>;
}

/** Reloads the conversation list and the conversation on screen. */
export async function refresh(): Promise<void> {
  await loadConversations();
  if (partner.value) await loadMessages(partner.value);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Fetches the conversations; offline shows the last copy on this device. The unread total goes to the badge. */
export async function loadConversations(): Promise<void> {
  const user = currentUser.value;
  if (!user) return;
  try {
    const answer = await getJson<{ conversations: ChatConversation[]; unread: number }>('/api/chat/conversations');
    localStorage.setItem(copyKey(user.id, 'conversations'), JSON.stringify(answer.conversations));
    conversations.value = { list: answer.conversations, stale: false, loaded: true };
    await setBadgeCount(answer.unread);
  } catch {
    const copy = localStorage.getItem(copyKey(user.id, 'conversations'));
    conversations.value = { list: copy ? (JSON.parse(copy) as ChatConversation[]) : [], stale: true, loaded: true };
  }
}

async function loadMessages(name: string): Promise<void> {
  const user = currentUser.value;
  if (!user) return;
  try {
    const answer = await getJson<{ messages: ChatMessage[]; unread: number }>(
      `/api/chat/conversations/${encodeURIComponent(name)}`,
    );
    localStorage.setItem(copyKey(user.id, `with.${name.toLowerCase()}`), JSON.stringify(answer.messages));
    if (partner.value === name) messages.value = { list: answer.messages, stale: false };
    if (answer.messages.some((m) => m.readAt === null && m.from.toLowerCase() === name.toLowerCase())) {
      await markRead(name);
    }
  } catch {
    const copy = localStorage.getItem(copyKey(user.id, `with.${name.toLowerCase()}`));
    if (partner.value === name) messages.value = { list: copy ? (JSON.parse(copy) as ChatMessage[]) : [], stale: true };
  }
}

/** Shows a conversation: the URL says which (so a notification click finds this window), and it is marked read. */
export async function openConversation(name: string): Promise<void> {
  if (partner.value !== name) {
    history.pushState(null, '', conversationPath(name));
    partner.value = name;
    messages.value = { list: [], stale: false };
  }
  const unread = conversations.value.list.find((c) => c.with === name)?.unread ?? 0;
  if (unread > 0) await markRead(name);
  await loadMessages(name);
}

/**
 * Marks a conversation read through the outbox (works offline; sent once), lowers the badge and the list's count
 * now, and closes its notification.
 */
export async function markRead(name: string): Promise<void> {
  const box = await chatOutboxBox();
  const pendingAlready = queuedReads.has(name);
  if (!pendingAlready) queuedReads.set(name, '');
  const unread = conversations.value.list.find((c) => c.with === name)?.unread ?? 0;
  conversations.value = {
    ...conversations.value,
    list: conversations.value.list.map((c) => (c.with === name ? { ...c, unread: 0 } : c)),
  };
  if (unread > 0) {
    const total = conversations.value.list.reduce((sum, c) => sum + c.unread, 0);
    await setBadgeCount(total);
  }
  await closeNotifications(`chat:${name.toLowerCase()}`);
  if (pendingAlready) return;
  const label: ChatLabel = { markRead: name };
  const id = await box.send({
    url: readPath(name),
    headers: { 'content-type': 'application/json' },
    body: '{}',
    label,
  });
  queuedReads.set(name, id);
}

async function closeNotifications(tag: string): Promise<void> {
  const registration = await navigator.serviceWorker?.getRegistration();
  for (const notification of (await registration?.getNotifications({ tag })) ?? []) notification.close();
}

/** Puts a chat message in the outbox; it shows at once as waiting and goes out when the server can be reached. */
export async function sendChat(to: string, text: string): Promise<void> {
  const from = currentUser.value?.username;
  if (!from) return;
  const label: ChatLabel = { to, text, from };
  await (await chatOutboxBox()).send({
    url: '/api/chat/messages',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ to, body: text, from }),
    label,
  });
}
