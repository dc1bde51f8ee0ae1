import { openChannel } from '../channel.web.js';
import { hasBadgingApi, lowerBadge, readBadge, setBadge } from './badge.web.js';
import { BADGE_CHANNEL, isBadgeMessage } from './messages.js';
import { badgeLabel, titleWithCount } from './title.js';

/** Options of {@link createBadge}. */
export interface BadgeOptions {
  /**
   * Where the count shows when the Badging API is missing: `auto` (the default) uses the page title and the
   * favicon only then; `always` uses them as well as the API; `never` not at all.
   */
  fallback?: 'auto' | 'always' | 'never';
}

/** The page side of the app badge. */
export interface Badge {
  /** The count as last read or set. */
  readonly count: number;
  /** Whether the app icon can show it (the Badging API exists here). */
  readonly iconBadge: boolean;
  /** Sets the count (the server's unread count is the truth: pass it whenever the page learns it). */
  set(count: number): Promise<void>;
  /** Lowers the count by `by` (e.g. the messages of a conversation just read). */
  lower(by: number): Promise<void>;
  /** Sets the count to 0. */
  clear(): Promise<void>;
  /** Calls `listener` with the count now and after every change from any page or the worker; returns the unsubscribe. */
  subscribe(listener: (count: number) => void): () => void;
  /** Stops listening and restores the title and favicon. */
  close(): void;
}

/**
 * The app badge for a page: the Badging API where it exists, else the count in the page title (`(3) Chat`) and
 * drawn on the favicon while the page is open. Follows changes the worker makes (a push's `app_badge`).
 *
 * @example
 * ```ts
 * const badge = await createBadge();
 * badge.subscribe((count) => render(count));
 * await badge.set(serverUnreadCount);
 * ```
 */
export async function createBadge(options: BadgeOptions = {}): Promise<Badge> {
  const iconBadge = hasBadgingApi();
  const mode = options.fallback ?? 'auto';
  const useFallback = mode === 'always' || (mode === 'auto' && !iconBadge);
  const listeners = new Set<(count: number) => void>();
  const favicon = useFallback ? faviconPainter() : null;
  let count = await readBadge().catch(() => 0);

  const show = (next: number) => {
    count = next;
    if (useFallback) {
      document.title = titleWithCount(document.title, next);
      favicon?.paint(next);
    }
    for (const listener of listeners) listener(next);
  };
  const channel = openChannel(BADGE_CHANNEL, isBadgeMessage);
  const stop = channel.subscribe((message) => show(message.count));
  show(count);

  return {
    get count() {
      return count;
    },
    iconBadge,
    async set(next) {
      show(await setBadge(next));
    },
    async lower(by) {
      show(await lowerBadge(by));
    },
    async clear() {
      show(await setBadge(0));
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(count);
      return () => listeners.delete(listener);
    },
    close() {
      stop();
      channel.close();
      listeners.clear();
      if (useFallback) document.title = titleWithCount(document.title, 0);
      favicon?.restore();
    },
  };
}

/** Draws the count on the page's favicon (a canvas copy of it); keeps the original to restore. */
function faviconPainter(): { paint(count: number): void; restore(): void } {
  const link =
    document.querySelector<HTMLLinkElement>('link[rel~="icon"]') ??
    document.head.appendChild(Object.assign(document.createElement('link'), { rel: 'icon' }));
  const original = link.href;
  const image = new Image();
  let loaded = false;
  let pending = 0;
  const draw = (count: number) => {
    const label = badgeLabel(count);
    if (label === '') {
      link.href = original;
      return;
    }
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const context = canvas.getContext('2d');
    if (!context) return;
    if (loaded) context.drawImage(image, 0, 0, 64, 64);
    context.fillStyle = '#d93025';
    context.beginPath();
    context.arc(42, 22, 22, 0, 2 * Math.PI);
    context.fill();
    context.fillStyle = '#fff';
    context.font = `bold ${label.length > 2 ? 20 : 28}px sans-serif`;
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    context.fillText(label, 42, 23);
    link.href = canvas.toDataURL('image/png');
  };
  image.onload = () => {
    loaded = true;
    draw(pending);
  };
  if (original) image.src = original;
  return {
    paint(count) {
      pending = count;
      draw(count);
    },
    restore() {
      link.href = original;
    },
  };
}
