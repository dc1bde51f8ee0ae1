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

/** Removes `userId`'s last copies from this device and from the page (at sign-out). */
export function forgetFolders(userId: string): void {
  for (const folder of ['inbox', 'sent'] as const) {
    localStorage.removeItem(copyKey(userId, folder));
    folders[folder].value = empty();
  }
  recipients.value = [];
}

/**
 * Fetches a folder; offline (or on a server error) shows the last copy seen on this device instead. The request is
 * bound to `userId` (Outpost-Account), so another account's session can never fill this account's copy.
 */
export async function loadFolder(userId: string, folder: FolderName): Promise<void> {
  try {
    const response = await fetch(`/api/mail/${folder}`, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'outpost-account': userId },
    });
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
