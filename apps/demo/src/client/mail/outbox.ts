import { createOutbox, type Outbox, type OutboxItem } from '@outpost/pwa/client';
import { computed, effect, signal } from '@preact/signals';
import { currentUser, deviceAccount } from '../account';
import type { Draft } from './drafts';

/** What the outbox shows for a mail. */
export interface MailLabel {
  to: string;
  subject: string;
}

/** The mail queue's items, every account's, live (every change from this page, other tabs and the worker). */
const allOutboxItems = signal<OutboxItem[]>([]);
/** The items of the account on this device: another account's queued mail is never shown (nor sent as this one). */
export const outboxItems = computed(() => {
  const account = deviceAccount.value;
  return account === null ? [] : allOutboxItems.value.filter((item) => item.account === account);
});
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
        allOutboxItems.value = items;
        void refreshStorageEstimate();
      });
      effect(() => {
        // Only the signed-in account's waiting items: another's would only be refused again.
        const user = currentUser.value;
        if (user) void box.resume(user.id);
      });
    })
    .catch((error: unknown) => console.warn('outbox unavailable:', error));
}

function mailbox(): Promise<Outbox> {
  startMailOutbox();
  return outbox as Promise<Outbox>;
}

/**
 * Puts a draft in the outbox as `account`'s mail; resolves once it is stored on this device (not when it is
 * delivered). The item is bound to the account: if another is signed in when it goes out, the server refuses it and
 * it waits for its own account.
 */
export async function sendMail(draft: Draft, account: string): Promise<string> {
  const label: MailLabel = { to: draft.to.trim(), subject: draft.subject };
  return (await mailbox()).send({
    url: '/api/mail',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ to: label.to, subject: draft.subject, body: draft.body }),
    label,
    account,
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
