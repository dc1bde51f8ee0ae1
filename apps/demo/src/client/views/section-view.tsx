import type { JSX } from 'preact';
import { strings } from '../i18n';
import type { Section } from '../route';

/** A section's placeholder: its name and what it will do once built. */
export function SectionView({ section }: { section: Section }): JSX.Element {
  const t = strings.value;
  return (
    <article data-testid={`view-${section}`}>
      <h1>{t[`section.${section}`]}</h1>
      <p class="badge">{t.comingNext}</p>
      <p>{t[`section.${section}.soon`]}</p>
    </article>
  );
}
