import { render } from 'preact';
import { refreshSession } from './account';
import { App } from './app';
import { startChat } from './chat/chat';
import { language } from './i18n';
import { startMailOutbox } from './mail/outbox';
import { startMusic } from './music/music';
import { startNews } from './news/news';
import { startServiceWorker } from './service-worker';
import './styles.css';

document.documentElement.lang = language.value;
render(<App />, document.getElementById('app') as HTMLElement);
void refreshSession();
startServiceWorker();
// The mail outbox replays on every page load: the fallback where the browser has no Background Sync.
startMailOutbox();
// Chat: its outbox, push re-synced with the server, the badge, and live updates from the worker.
startChat();
// News refreshes in the background where the browser allows it, else on launch and when a tab becomes visible.
startNews();
// Music: downloads re-attach (a running Background Fetch) or resume (the fallback) on every page load.
startMusic();
// A session check that failed offline is retried when the network comes back.
globalThis.addEventListener('online', () => void refreshSession());
