/** The app's sections, in navigation order; each is served at `/<section>`. */
export const SECTIONS = ['music', 'mail', 'chat', 'news'] as const;
export type Section = (typeof SECTIONS)[number];

/** What a path shows: the home page, a section, or nothing (an unknown path). */
export type Route = { name: 'home' } | { name: 'section'; section: Section } | { name: 'not-found' };

/** Maps a pathname to a route. */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === '' || path === '/index.html') return { name: 'home' };
  const section = SECTIONS.find((s) => path === `/${s}`);
  return section ? { name: 'section', section } : { name: 'not-found' };
}
