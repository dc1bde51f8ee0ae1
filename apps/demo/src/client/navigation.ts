import { signal } from '@preact/signals';
import { parseRoute, type Route } from './route';

/** The current route, kept in step with the address bar. */
export const route = signal<Route>(parseRoute(location.pathname));

globalThis.addEventListener('popstate', () => {
  route.value = parseRoute(location.pathname);
});

/** Client-side navigation: pushes the path and updates {@link route} without a page load. */
export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  route.value = parseRoute(path);
}
