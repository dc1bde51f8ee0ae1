import { signal } from '@preact/signals';

/**
 * Whether the browser believes it is online. `navigator.onLine === false` is reliable (no network at all);
 * `true` only means a network is attached, so features still handle failed requests themselves.
 */
export const online = signal(navigator.onLine);

globalThis.addEventListener('online', () => {
  online.value = true;
});
globalThis.addEventListener('offline', () => {
  online.value = false;
});
