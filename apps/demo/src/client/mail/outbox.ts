import { createOutbox, type Outbox, type OutboxItem } from '@outpost/pwa/client';
import { effect, signal } from '@preact/signals';
import { currentUser } from '../account';
import type { Draft } from './drafts';

/** What the outbox shows for a mail. */
export interface MailLabel {
  to: string;
  subject: string;
}

/** The mail queue's items, live (every change from this page, other tabs and the service worker). */
export const outboxItems = signal<OutboxItem[]>([]);
/** What `navigator.storage.estimate()` reported, in bytes. */
export const storageUsage = signal<{ usage: number; quota: number } | null>(null);

let outbox: Promise<Outbox> | null = null;

/**
 * Opens the mail outbox: the queue is replayed now (page load is one of the fallback triggers where there is no
 * Background Sync), mirrored into {@link outboxItems}, and resumed whenever a user signs in (items that got 401).
 */
export function startMailOutbox(): void {
  if (outbox) return;
  const opened = createOutbox({ queue: 'mail' });
  outbox = opened;
  opened
    .then((box) => {
      box.subscribe((items) => {
        outboxItems.value = items;
        void refreshStorageEstimate();
      });
      effect(() => {
        if (currentUser.value) void box.resume();
      });
    })
    .catch((error: unknown) => console.warn('outbox unavailable:', error));
}

function mailbox(): Promise<Outbox> {
  startMailOutbox();
  return outbox as Promise<Outbox>;
}

/** Puts a draft in the outbox; resolves once it is stored on this device (not when it is delivered). */
export async function sendMail(draft: Draft): Promise<string> {
  const label: MailLabel = { to: draft.to.trim(), subject: draft.subject };
  return (await mailbox()).send({
    url: '/api/mail',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    // The writer goes along: if someone else is signed in by the time it is sent, the server refuses it.
    body: JSON.stringify({ to: label.to, subject: draft.subject, body: draft.body, from: currentUser.value?.username }),
    label,
  });
}

export async function retryMail(id: string): Promise<void> {
  await (await mailbox()).retry(id);
}

export async function cancelMail(id: string): Promise<void> {
  await (await mailbox()).cancel(id);
}

async function refreshStorageEstimate(): Promise<void> {
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  if (estimate) storageUsage.value = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
}
