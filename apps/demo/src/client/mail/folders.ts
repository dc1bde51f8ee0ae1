import { signal } from '@preact/signals';

import type { MailMessage } from '../../server/mail/mail-message.js';

export type { MailMessage } from '../../server/mail/mail-message.js';

/** A folder as shown: its messages and whether they are the last copy seen (the server could not be reached). */
export interface FolderState {
  messages: MailMessage[];
  stale: boolean;
  loaded: boolean;
}

export type FolderName = 'inbox' | 'sent';

const empty = (): FolderState => ({ messages: [], stale: false, loaded: false });

/** The inbox and sent folders. */
export const folders = { inbox: signal<FolderState>(empty()), sent: signal<FolderState>(empty()) };
/** Who mail can be sent to: the app's other accounts. */
export const recipients = signal<string[]>([]);

// The last copy of each folder per user, so the inbox is readable offline. Small (100 messages at most).
const copyKey = (userId: string, folder: FolderName) => `outpost.mail.${userId}.${folder}`;

const LAST_USER_KEY = 'outpost.mail.lastUser';

/**
 * Whose folders to show: the signed-in user, or — while the session is unknown because the server cannot be
 * reached — the last user seen on this device, so their last copy is readable offline. Null when signed out.
 */
export function folderOwner(user: { id: string } | null | undefined): string | null {
  if (user) {
    localStorage.setItem(LAST_USER_KEY, user.id);
    return user.id;
  }
  if (user === undefined) return localStorage.getItem(LAST_USER_KEY);
  // Signed out: the next offline start shows nobody's mail.
  localStorage.removeItem(LAST_USER_KEY);
  return null;
}

/** Fetches a folder; offline (or on a server error) shows the last copy seen on this device instead. */
export async function loadFolder(userId: string, folder: FolderName): Promise<void> {
  try {
    const response = await fetch(`/api/mail/${folder}`, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { messages } = (await response.json()) as { messages: MailMessage[] };
    localStorage.setItem(copyKey(userId, folder), JSON.stringify(messages));
    folders[folder].value = { messages, stale: false, loaded: true };
  } catch {
    const copy = localStorage.getItem(copyKey(userId, folder));
    folders[folder].value = { messages: copy ? (JSON.parse(copy) as MailMessage[]) : [], stale: true, loaded: true };
  }
}

/** Fetches the list of possible recipients (kept as it was when offline). */
export async function loadRecipients(): Promise<void> {
  try {
    const response = await fetch('/api/mail/recipients', { credentials: 'same-origin' });
    if (response.ok) recipients.value = ((await response.json()) as { recipients: string[] }).recipients;
  } catch {
    // Offline: the datalist keeps what it had; any name can still be typed.
  }
}
