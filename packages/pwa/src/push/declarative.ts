// The Declarative Web Push format (Push API spec; Safari 18.4): a JSON payload that says which notification to
// show. Where the browser does not show it by itself, the same JSON reaches the worker's `push` event, and
// `handlePush` shows it. Every payload — declarative, other JSON, plain text, none — becomes one
// DeclarativeMessage here, so the worker always has a notification to show.

/** The magic number a declarative payload carries in `web_push` (older drafts' 9001 is not accepted). */
export const DECLARATIVE_WEB_PUSH = 8030;

/** A button on a notification. */
export interface DeclarativeAction {
  action: string;
  title: string;
  /** Where a click on this button goes (absolute or relative to the worker's scope). */
  navigate?: string;
  icon?: string;
}

/** The `notification` member of a declarative message. */
export interface DeclarativeNotification {
  title: string;
  /** Where a click on the notification goes. */
  navigate: string;
  body?: string;
  lang?: string;
  dir?: 'auto' | 'ltr' | 'rtl';
  tag?: string;
  image?: string;
  icon?: string;
  badge?: string;
  vibrate?: number[];
  /** Epoch milliseconds. */
  timestamp?: number;
  renotify?: boolean;
  silent?: boolean;
  requireInteraction?: boolean;
  /** The app's own data, handed back on click. */
  data?: unknown;
  actions?: DeclarativeAction[];
}

/** A declarative push message. */
export interface DeclarativeMessage {
  web_push: typeof DECLARATIVE_WEB_PUSH;
  notification: DeclarativeNotification;
  /** The app's badge count (the server's truth); absent leaves the badge alone. */
  app_badge?: number;
  mutable?: boolean;
}

/** Why a value is not a declarative message; the message names the member. */
export class DeclarativePushError extends Error {
  override readonly name = 'DeclarativePushError';
}

/** What a payload that is not a valid declarative message turns into. */
export interface PushDefaults {
  /** The title of a plain-text (or unusable) payload. */
  title: string;
  /** Where a click on such a notification goes. */
  navigate: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalString(source: Json, key: string, where: string): string | undefined {
  const value = source[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new DeclarativePushError(`${where}.${key} must be a string`);
  return value;
}

function optionalBoolean(source: Json, key: string, where: string): boolean | undefined {
  const value = source[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new DeclarativePushError(`${where}.${key} must be a boolean`);
  return value;
}

function requiredString(source: Json, key: string, where: string): string {
  const value = optionalString(source, key, where);
  if (value === undefined || value === '') throw new DeclarativePushError(`${where}.${key} is required`);
  return value;
}

function parseActions(value: unknown): DeclarativeAction[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new DeclarativePushError('notification.actions must be an array');
  return value.map((entry: unknown, index) => {
    const where = `notification.actions[${index}]`;
    if (!isObject(entry)) throw new DeclarativePushError(`${where} must be an object`);
    const action: DeclarativeAction = {
      action: requiredString(entry, 'action', where),
      title: requiredString(entry, 'title', where),
    };
    const navigate = optionalString(entry, 'navigate', where);
    const icon = optionalString(entry, 'icon', where);
    if (navigate !== undefined) action.navigate = navigate;
    if (icon !== undefined) action.icon = icon;
    return action;
  });
}

/**
 * Checks a parsed JSON value against the declarative format and returns it typed, with unknown members dropped.
 * Throws {@link DeclarativePushError} naming the first member that is wrong.
 *
 * @example
 * ```ts
 * parseDeclarative({ web_push: 8030, notification: { title: 'Alice', navigate: '/chat?with=alice' }, app_badge: 3 });
 * ```
 */
export function parseDeclarative(value: unknown): DeclarativeMessage {
  if (!isObject(value)) throw new DeclarativePushError('a declarative message is a JSON object');
  if (value.web_push !== DECLARATIVE_WEB_PUSH) throw new DeclarativePushError('web_push must be 8030');
  const source = value.notification;
  if (!isObject(source)) throw new DeclarativePushError('notification must be an object');
  const where = 'notification';
  const notification: DeclarativeNotification = {
    title: requiredString(source, 'title', where),
    navigate: requiredString(source, 'navigate', where),
  };
  for (const key of ['body', 'lang', 'tag', 'image', 'icon', 'badge'] as const) {
    const text = optionalString(source, key, where);
    if (text !== undefined) notification[key] = text;
  }
  const dir = optionalString(source, 'dir', where);
  if (dir !== undefined) {
    if (dir !== 'auto' && dir !== 'ltr' && dir !== 'rtl')
      throw new DeclarativePushError('notification.dir is auto, ltr or rtl');
    notification.dir = dir;
  }
  for (const key of ['renotify', 'silent', 'requireInteraction'] as const) {
    const flag = optionalBoolean(source, key, where);
    if (flag !== undefined) notification[key] = flag;
  }
  if (source.timestamp !== undefined) {
    if (typeof source.timestamp !== 'number' || !Number.isFinite(source.timestamp)) {
      throw new DeclarativePushError('notification.timestamp must be a number');
    }
    notification.timestamp = source.timestamp;
  }
  if (source.vibrate !== undefined) {
    const vibrate = source.vibrate;
    if (!Array.isArray(vibrate) || !vibrate.every((n) => typeof n === 'number' && n >= 0)) {
      throw new DeclarativePushError('notification.vibrate must be an array of milliseconds');
    }
    notification.vibrate = vibrate as number[];
  }
  if (source.data !== undefined) notification.data = source.data;
  const actions = parseActions(source.actions);
  if (actions !== undefined) notification.actions = actions;

  const message: DeclarativeMessage = { web_push: DECLARATIVE_WEB_PUSH, notification };
  if (value.app_badge !== undefined) {
    const badge = value.app_badge;
    if (typeof badge !== 'number' || !Number.isSafeInteger(badge) || badge < 0) {
      throw new DeclarativePushError('app_badge must be a whole number >= 0');
    }
    message.app_badge = badge;
  }
  const mutable = optionalBoolean(value, 'mutable', 'message');
  if (mutable !== undefined) message.mutable = mutable;
  return message;
}

/** The longest body shown for a plain-text payload; a push can carry about 4 KB. */
const MAX_TEXT_BODY = 1000;

/**
 * Turns a push payload into the message to show. A valid declarative JSON payload is used as it is; anything
 * else (plain text, other JSON, a declarative payload with a mistake, no payload at all) becomes a notification
 * with the default title and the text as its body, because a push must always show something.
 *
 * @example
 * ```ts
 * parsePushPayload('Hello', { title: 'Chat', navigate: '/' }).notification; // { title: 'Chat', navigate: '/', body: 'Hello' }
 * ```
 */
export function parsePushPayload(text: string | null, defaults: PushDefaults): DeclarativeMessage {
  const trimmed = text?.trim() ?? '';
  if (trimmed.startsWith('{')) {
    try {
      return parseDeclarative(JSON.parse(trimmed));
    } catch {
      // Not JSON, or JSON that is not a valid declarative message: shown as text below.
    }
  }
  const notification: DeclarativeNotification = { title: defaults.title, navigate: defaults.navigate };
  if (trimmed !== '')
    notification.body = trimmed.length > MAX_TEXT_BODY ? `${trimmed.slice(0, MAX_TEXT_BODY - 1)}…` : trimmed;
  return { web_push: DECLARATIVE_WEB_PUSH, notification };
}
