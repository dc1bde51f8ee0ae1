/** The page-title fallback: `(3) Chat` for 3, the bare title for 0; an earlier count prefix is replaced. */
export function titleWithCount(title: string, count: number): string {
  const bare = title.replace(/^\(\d+\+?\) /, '');
  if (count <= 0) return bare;
  return `(${count > 99 ? '99+' : count}) ${bare}`;
}

/** What the favicon fallback draws: nothing for 0, the count up to 99, `99+` above. */
export function badgeLabel(count: number): string {
  if (count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}

/** A count from anywhere (a push's app_badge, a stored value) made safe: a whole number >= 0. */
export function normalizeCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
