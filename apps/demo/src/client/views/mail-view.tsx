import type { OutboxItem } from '@outpost/pwa/client';
import { signal } from '@preact/signals';
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { currentUser, deviceAccount } from '../account';
import { strings } from '../i18n';
import {
  currentDraft,
  discardDraft,
  draftSaved,
  drafts,
  editDraft,
  newDraft,
  openDraft,
  showDraftsOf,
} from '../mail/drafts';
import { type FolderName, folders, loadFolder, loadRecipients, recipients } from '../mail/folders';
import { cancelMail, type MailLabel, outboxItems, retryMail, sendMail, storageUsage } from '../mail/outbox';

type Tab = 'compose' | 'outbox' | FolderName;
const TABS: Tab[] = ['compose', 'outbox', 'inbox', 'sent'];
const tab = signal<Tab>('compose');
const notice = signal<string | null>(null);

/** Mail: compose (drafts saved on this device), the outbox, and the inbox and sent folders from the server. */
export function MailView(): JSX.Element {
  const t = strings.value;
  const user = currentUser.value;
  const current = tab.value;
  const deliveredCount = outboxItems.value.filter((item) => item.state === 'sent').length;

  const owner = deviceAccount.value;
  useEffect(() => {
    void showDraftsOf(owner);
  }, [owner]);
  useEffect(() => {
    if (owner === null) return;
    if (user) void loadRecipients();
    if (current === 'inbox' || current === 'sent') void loadFolder(owner, current);
  }, [owner, user, current, deliveredCount]);

  return (
    <article data-testid="view-mail" class="mail">
      <h1>{t['section.mail']}</h1>
      {user === null ? <p class="badge">{t['mail.signInFirst']}</p> : null}
      <div class="tabs" role="tablist" aria-label={t['mail.folders']}>
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            class={current === name ? 'tab active' : 'tab'}
            aria-selected={current === name}
            data-testid={`mail-tab-${name}`}
            onClick={() => {
              tab.value = name;
            }}
          >
            {t[`mail.${name}`]}
            {name === 'outbox' ? <OutboxCount /> : null}
          </button>
        ))}
      </div>
      {current === 'compose' ? <Compose /> : current === 'outbox' ? <OutboxList /> : <Folder name={current} />}
    </article>
  );
}

function OutboxCount(): JSX.Element | null {
  const waiting = outboxItems.value.filter((item) => item.state !== 'sent').length;
  return waiting > 0 ? <span class="count" data-testid="outbox-count">{` ${waiting}`}</span> : null;
}

function Compose(): JSX.Element {
  const t = strings.value;
  const draft = currentDraft.value;
  const account = deviceAccount.value;
  const submit = async (event: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    // Nobody's mail: a mail queued by no account would go out as whoever signs in next.
    if (draft.to.trim() === '' || account === null) return;
    await sendMail(draft, account);
    await discardDraft(draft.id);
    notice.value = t['mail.queued'];
  };
  return (
    <section class="compose">
      <form class="card" onSubmit={submit} data-testid="mail-compose">
        <label>
          {t['mail.to']}
          <input
            data-testid="mail-to"
            list="mail-recipients"
            required
            maxLength={32}
            value={draft.to}
            onInput={(event) => editDraft({ to: event.currentTarget.value })}
          />
          <datalist id="mail-recipients">
            {recipients.value.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <small class="muted">{t['mail.toHint']}</small>
        </label>
        <label>
          {t['mail.subject']}
          <input
            data-testid="mail-subject"
            maxLength={200}
            value={draft.subject}
            onInput={(event) => editDraft({ subject: event.currentTarget.value })}
          />
        </label>
        <label>
          {t['mail.body']}
          <textarea
            data-testid="mail-body"
            rows={8}
            maxLength={20_000}
            value={draft.body}
            onInput={(event) => editDraft({ body: event.currentTarget.value })}
          />
        </label>
        <div class="row">
          <button type="submit" data-testid="mail-send" disabled={account === null}>
            {t['mail.send']}
          </button>
          <button type="button" class="link" onClick={() => void newDraft()}>
            {t['mail.newDraft']}
          </button>
          {draftSaved.value ? (
            <span class="muted" data-testid="draft-saved">
              {t['mail.draftSaved']}
            </span>
          ) : null}
        </div>
        {notice.value ? (
          <p class="notice" data-testid="mail-notice" role="status">
            {notice.value}
          </p>
        ) : null}
      </form>
      {drafts.value.length > 0 ? (
        <section>
          <h2>{t['mail.drafts']}</h2>
          <ul class="list" data-testid="mail-drafts">
            {drafts.value.map((saved) => (
              <li key={saved.id} data-testid="mail-draft">
                <button type="button" class="link" onClick={() => void openDraft(saved.id)}>
                  {saved.to || '—'}: {saved.subject || t['mail.noSubject']}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}

function OutboxList(): JSX.Element {
  const t = strings.value;
  const items = outboxItems.value;
  const usage = storageUsage.value;
  return (
    <section>
      {items.length === 0 ? <p class="muted">{t['mail.outboxEmpty']}</p> : null}
      <ul class="list" data-testid="outbox-list">
        {items.map((item) => (
          <OutboxRow key={item.id} item={item} />
        ))}
      </ul>
      {usage ? (
        <p class="muted" data-testid="storage-estimate">
          {t['mail.storage']}: {formatBytes(usage.usage)} / {formatBytes(usage.quota)}
        </p>
      ) : null}
    </section>
  );
}

function OutboxRow({ item }: { item: OutboxItem }): JSX.Element {
  const t = strings.value;
  const label = item.label as MailLabel | null;
  const canRetry = item.state === 'failed' || item.state === 'needs-sign-in' || item.state === 'pending';
  const canCancel = item.state !== 'sent' && item.state !== 'sending';
  return (
    <li class={`outbox-item ${item.state}`} data-testid="outbox-item" data-state={item.state} data-id={item.id}>
      <div>
        <strong>{label?.to ?? '—'}</strong>: {label?.subject || t['mail.noSubject']}
      </div>
      <div class="row">
        <span class="state" data-testid="outbox-state">
          {t[`outbox.state.${item.state}`]}
        </span>
        <span class="muted" data-testid="outbox-attempts">
          {t['outbox.attempts']}: {item.attempts}
        </span>
        {canRetry ? (
          <button type="button" class="link" data-testid="outbox-retry" onClick={() => void retryMail(item.id)}>
            {t['outbox.retry']}
          </button>
        ) : null}
        {canCancel ? (
          <button type="button" class="link" data-testid="outbox-cancel" onClick={() => void cancelMail(item.id)}>
            {t['outbox.cancel']}
          </button>
        ) : null}
      </div>
      {item.reason && item.state !== 'sent' ? (
        <p class="error" data-testid="outbox-reason">
          {item.reason}
        </p>
      ) : item.lastError && item.state === 'pending' ? (
        <p class="muted" data-testid="outbox-last-error">
          {item.lastError}
        </p>
      ) : null}
    </li>
  );
}

function Folder({ name }: { name: FolderName }): JSX.Element {
  const t = strings.value;
  const folder = folders[name].value;
  return (
    <section data-testid={`mail-${name}`}>
      {folder.stale ? (
        <p class="badge" data-testid="mail-stale">
          {t['mail.stale']}
        </p>
      ) : null}
      {folder.loaded && folder.messages.length === 0 ? <p class="muted">{t['mail.empty']}</p> : null}
      <ul class="list">
        {folder.messages.map((message) => (
          <li key={message.id} class="message" data-testid="mail-message">
            <div class="row">
              <strong data-testid="mail-message-subject">{message.subject || t['mail.noSubject']}</strong>
              <span class="muted">
                {name === 'inbox' ? `${t['mail.from']} ${message.from}` : `${t['mail.to']} ${message.to}`} ·{' '}
                {new Date(message.sentAt).toLocaleString()}
              </span>
            </div>
            <p class="body">{message.body}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
