import type { JSX } from 'preact';
import { AccountPanel } from './account-panel';
import { online } from './connectivity';
import { LANGUAGES, type Language, language, setLanguage, strings } from './i18n';
import { navigate, route } from './navigation';
import { SECTIONS, type Section } from './route';
import { offlineReady, updateAvailable, updateNow } from './service-worker';
import { ChatView } from './views/chat-view';
import { MailView } from './views/mail-view';
import { MusicView } from './views/music-view';
import { NewsView } from './views/news-view';

/** The app shell: header, navigation, the current view and the account area. */
export function App(): JSX.Element {
  const t = strings.value;
  const current = route.value;
  return (
    <div class="shell" data-testid="app-shell">
      <header class="header">
        <a class="brand" href="/" onClick={follow('/')}>
          <img src="/icons/any-192.png" alt="" width={32} height={32} />
          <span data-testid="app-name">{t.appName}</span>
        </a>
        <OnlineStatus />
        <LanguageSwitch />
      </header>
      <nav class="nav" aria-label={t.navLabel}>
        {SECTIONS.map((section) => (
          <NavLink key={section} section={section} active={current.name === 'section' && current.section === section} />
        ))}
      </nav>
      <Notices />
      <main class="main" data-testid="view">
        {current.name === 'section' ? (
          current.section === 'mail' ? (
            <MailView />
          ) : current.section === 'chat' ? (
            <ChatView />
          ) : current.section === 'news' ? (
            <NewsView />
          ) : (
            <MusicView />
          )
        ) : current.name === 'home' ? (
          <article data-testid="view-home">
            <h1>{t.welcome}</h1>
            <p>{t.welcomeBody}</p>
          </article>
        ) : (
          <article data-testid="view-not-found">
            <h1>{t.notFound}</h1>
            <a href="/" onClick={follow('/')}>
              {t.home}
            </a>
          </article>
        )}
      </main>
      <aside class="side">
        <AccountPanel />
      </aside>
      <footer class="footer muted">{t.tagline}</footer>
    </div>
  );
}

function NavLink({ section, active }: { section: Section; active: boolean }): JSX.Element {
  return (
    <a
      href={`/${section}`}
      data-testid={`nav-${section}`}
      aria-current={active ? 'page' : undefined}
      onClick={follow(`/${section}`)}
    >
      {strings.value[`section.${section}`]}
    </a>
  );
}

function OnlineStatus(): JSX.Element {
  const isOnline = online.value;
  return (
    <span class={`status ${isOnline ? 'online' : 'offline'}`} data-testid="online-status" role="status">
      {isOnline ? strings.value.online : strings.value.offline}
    </span>
  );
}

function LanguageSwitch(): JSX.Element {
  return (
    <label class="language">
      <span class="visually-hidden">{strings.value.language}</span>
      <select
        data-testid="language"
        value={language.value}
        onChange={(event) => setLanguage(event.currentTarget.value as Language)}
      >
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option key={code} value={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function Notices(): JSX.Element | null {
  const t = strings.value;
  if (updateAvailable.value) {
    return (
      <p class="notice" data-testid="update-available">
        {t.updateAvailable}{' '}
        <button type="button" onClick={updateNow}>
          {t.updateNow}
        </button>
      </p>
    );
  }
  return offlineReady.value ? (
    <p class="notice" data-testid="offline-ready">
      {t.offlineReady}
    </p>
  ) : null;
}

/** A click handler for in-app links: plain left clicks navigate without a page load; others behave as links. */
function follow(path: string) {
  return (event: JSX.TargetedMouseEvent<HTMLAnchorElement>): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(path);
  };
}
