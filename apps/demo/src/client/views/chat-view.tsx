import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentUser } from '../account';
import {
  type ChatLabel,
  chatOutbox,
  conversations,
  messages,
  openConversation,
  partner,
  refresh,
  sendChat,
} from '../chat/chat';
import { chatStrings } from '../chat/chat-strings';
import { badgeCount, pushState, setNotifications } from '../chat/notifications';
import { strings } from '../i18n';

// Every piece of chat text is rendered as a JSX text child: Preact sets it as text, never as HTML.

/** Chat: conversations with the other accounts, the open conversation, and the Notifications switch. */
export function ChatView(): JSX.Element {
  const t = chatStrings.value;
  const user = currentUser.value;
  useEffect(() => {
    if (user) void refresh();
  }, [user]);
  return (
    <article data-testid="view-chat" class="chat">
      <h1>
        {strings.value['section.chat']}
        {badgeCount.value > 0 ? <span class="count" data-testid="chat-badge">{` ${badgeCount.value}`}</span> : null}
      </h1>
      <NotificationsSwitch />
      {user === null ? <p class="badge">{t.signInFirst}</p> : null}
      {user ? (
        <div class="chat-layout">
          <ConversationList />
          {partner.value ? <Conversation name={partner.value} /> : <p class="muted">{t.pick}</p>}
        </div>
      ) : null}
    </article>
  );
}

function NotificationsSwitch(): JSX.Element {
  const t = chatStrings.value;
  const state = pushState.value;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const on = state === 'subscribed';
  const disabled = busy || state === 'loading' || state === 'unsupported' || state === 'denied' || !currentUser.value;
  const toggle = () => {
    setBusy(true);
    setError(null);
    // Called straight from the click: subscribing needs the user's gesture.
    setNotifications(!on)
      .catch((reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)))
      .finally(() => setBusy(false));
  };
  return (
    <section class="card notifications" data-testid="push-switch" data-state={state}>
      <label class="row">
        <input
          type="checkbox"
          role="switch"
          aria-checked={on}
          checked={on}
          disabled={disabled}
          onChange={toggle}
          data-testid="push-toggle"
        />
        <strong>{t.notifications}</strong>
      </label>
      <p class="muted" data-testid="push-state" role="status">
        {busy ? t['push.busy'] : state === 'loading' ? t['push.busy'] : t[`push.${state}`]}
      </p>
      {error ? (
        <p class="error" data-testid="push-error">
          {t['push.error']} {error}
        </p>
      ) : null}
    </section>
  );
}

function ConversationList(): JSX.Element {
  const t = chatStrings.value;
  const { list, stale, loaded } = conversations.value;
  return (
    <nav class="conversations" aria-label={t.conversations}>
      {stale ? <p class="muted">{t.stale}</p> : null}
      {loaded && list.length === 0 ? <p class="muted">{t.noOthers}</p> : null}
      <ul class="list" data-testid="chat-conversations">
        {list.map((conversation) => (
          <li key={conversation.with}>
            <button
              type="button"
              class={partner.value === conversation.with ? 'link active' : 'link'}
              data-testid="chat-conversation"
              data-with={conversation.with}
              data-unread={conversation.unread}
              onClick={() => void openConversation(conversation.with)}
            >
              {conversation.with}
              {conversation.unread > 0 ? (
                <span class="count" data-testid="chat-unread">{` ${conversation.unread} ${t.unread}`}</span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Conversation({ name }: { name: string }): JSX.Element {
  const t = chatStrings.value;
  const [text, setText] = useState('');
  const shown = messages.value;
  useEffect(() => {
    void openConversation(name);
  }, [name]);
  const waiting = chatOutbox.value.filter((item) => {
    const label = item.label as ChatLabel | null;
    return item.state !== 'sent' && label !== null && 'to' in label && label.to === name;
  });
  const submit = async (event: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body = text.trim();
    if (body === '') return;
    setText('');
    await sendChat(name, body);
  };
  return (
    <section class="conversation" data-testid="chat-conversation-view" data-with={name}>
      <h2>{name}</h2>
      {shown.stale ? <p class="muted">{t.stale}</p> : null}
      <ol class="messages" data-testid="chat-messages">
        {shown.list.length === 0 && waiting.length === 0 ? <li class="muted">{t.empty}</li> : null}
        {shown.list.map((message) => (
          <li key={message.id} class={message.from === name ? 'theirs' : 'mine'} data-testid="chat-message">
            <span class="text">{message.body}</span>
          </li>
        ))}
        {waiting.map((item) => (
          <li key={item.id} class="mine waiting" data-testid="chat-message-waiting" data-state={item.state}>
            <span class="text">{(item.label as { text: string }).text}</span>{' '}
            <small class="muted">{item.state === 'failed' ? t.failed : t.sending}</small>
          </li>
        ))}
      </ol>
      <form class="row" onSubmit={submit} data-testid="chat-compose">
        <label class="grow">
          <span class="visually-hidden">{t.write}</span>
          <input
            data-testid="chat-input"
            maxLength={2000}
            value={text}
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </label>
        <button type="submit" data-testid="chat-send">
          {t.send}
        </button>
      </form>
    </section>
  );
}
