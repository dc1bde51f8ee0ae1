import { render } from 'preact';
import { refreshSession } from './account';
import { App } from './app';
import { language } from './i18n';
import { startServiceWorker } from './service-worker';
import './styles.css';

document.documentElement.lang = language.value;
render(<App />, document.getElementById('app') as HTMLElement);
void refreshSession();
startServiceWorker();
// A session check that failed offline is retried when the network comes back.
globalThis.addEventListener('online', () => void refreshSession());
