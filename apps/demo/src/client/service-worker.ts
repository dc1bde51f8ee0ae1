import { register } from '@outpost/pwa/client';
import { signal } from '@preact/signals';

/** The app's view of its service worker: offline-ready news and a pending update. */
export const offlineReady = signal(false);
export const updateAvailable = signal(false);

let applyUpdate: () => void = () => undefined;

/** Registers /sw.js (built by @outpost/pwa/vite) and mirrors its lifecycle into signals. */
export function startServiceWorker(): void {
  const sw = register('/sw.js', { scope: '/' });
  sw.ready.catch((error: unknown) => console.warn('service worker unavailable:', error));
  sw.onOfflineReady(() => {
    offlineReady.value = true;
  });
  sw.onUpdateAvailable(() => {
    updateAvailable.value = true;
  });
  applyUpdate = () => sw.applyUpdate();
}

/** Activates the waiting version; the page reloads once it takes over. */
export function updateNow(): void {
  applyUpdate();
}
