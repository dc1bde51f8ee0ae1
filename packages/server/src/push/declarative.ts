/** The magic number that marks a Declarative Web Push message (the RFC 8030 number, as the Push API spec says). */
export const DECLARATIVE_PUSH_MAGIC = 8030;

/**
 * Largest encoded message accepted by {@link encodeDeclarativePush}. RFC 8291 allows 3,993 bytes in one record,
 * but Firefox for Android's push service refuses bodies over about 3 KB, so 3,000 bytes is what reaches everyone.
 */
export const MAX_DECLARATIVE_PUSH_BYTES = 3000;

/** A button of a notification: `action` names it, `navigate` is where a click on it goes (Safari). */
export interface DeclarativePushAction {
  action: string;
  title: string;
  navigate?: string;
}

/** The notification of a {@link DeclarativePush}: the NotificationOptions fields plus `title` and `navigate`. */
export interface DeclarativePushNotification {
  title: string;
  /** URL (absolute, or relative to the app's origin) opened when the notification is clicked. */
  navigate: string;
  body?: string;
  tag?: string;
  icon?: string;
  badge?: string;
  lang?: string;
  dir?: 'auto' | 'ltr' | 'rtl';
  /** Epoch milliseconds. */
  timestamp?: number;
  silent?: boolean;
  requireInteraction?: boolean;
  data?: unknown;
  actions?: DeclarativePushAction[];
}

/**
 * A Declarative Web Push message (Push API spec; Safari 18.4 shows it without a service worker, other browsers
 * hand the same JSON to the worker's `push` event).
 *
 * @example
 * ```ts
 * const message: DeclarativePush = {
 *   web_push: 8030,
 *   notification: { title: 'Alice', body: 'Lunch?', navigate: '/chat/alice', tag: 'chat:alice' },
 *   app_badge: 3,
 * };
 * ```
 */
export interface DeclarativePush {
  web_push: typeof DECLARATIVE_PUSH_MAGIC;
  notification: DeclarativePushNotification;
  /** The app's badge count after this message (0 clears it). */
  app_badge?: number;
  /** The service worker may change the notification before it is shown. */
  mutable?: boolean;
}

/** A message is not a valid Declarative Web Push message, or is too large. `field` names the culprit. */
export class InvalidPushMessageError extends Error {
  override readonly name = 'InvalidPushMessageError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const NOTIFICATION_FIELDS = new Set([
  'title',
  'navigate',
  'body',
  'tag',
  'icon',
  'badge',
  'lang',
  'dir',
  'timestamp',
  'silent',
  'requireInteraction',
  'data',
  'actions',
]);
const MESSAGE_FIELDS = new Set(['web_push', 'notification', 'app_badge', 'mutable']);
const ACTION_FIELDS = new Set(['action', 'title', 'navigate']);
const STRING_FIELDS = ['body', 'tag', 'icon', 'badge', 'lang'] as const;
const BOOLEAN_FIELDS = ['silent', 'requireInteraction'] as const;

function fail(field: string, message: string): never {
  throw new InvalidPushMessageError(`${field} ${message}`, field);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKnown(record: Record<string, unknown>, known: Set<string>, prefix: string): void {
  for (const key of Object.keys(record)) {
    if (!known.has(key)) fail(`${prefix}${key}`, 'is not a field of a declarative push message');
  }
}

// A URL the browser can navigate to: absolute http(s), or a path relative to the app's origin. `javascript:`
// and other schemes are refused, the notification would otherwise carry a script to a click.
function checkNavigate(field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') fail(field, 'must be a non-empty string');
  if (value.startsWith('/') && !value.startsWith('//')) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(field, 'must be an absolute http(s) URL or a path starting with /');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(field, `must be http(s), got ${url.protocol}`);
}

function checkActions(value: unknown): void {
  if (!Array.isArray(value)) fail('notification.actions', 'must be an array');
  value.forEach((item: unknown, i: number) => {
    const prefix = `notification.actions[${i}]`;
    if (!isRecord(item)) fail(prefix, 'must be an object');
    checkKnown(item, ACTION_FIELDS, `${prefix}.`);
    if (typeof item.action !== 'string' || item.action === '') fail(`${prefix}.action`, 'must be a non-empty string');
    if (typeof item.title !== 'string' || item.title === '') fail(`${prefix}.title`, 'must be a non-empty string');
    if (item.navigate !== undefined) checkNavigate(`${prefix}.navigate`, item.navigate);
  });
}

function checkNotification(value: unknown): void {
  if (!isRecord(value)) fail('notification', 'must be an object');
  checkKnown(value, NOTIFICATION_FIELDS, 'notification.');
  if (typeof value.title !== 'string' || value.title === '') fail('notification.title', 'must be a non-empty string');
  checkNavigate('notification.navigate', value.navigate);
  for (const field of STRING_FIELDS) {
    if (value[field] !== undefined && typeof value[field] !== 'string')
      fail(`notification.${field}`, 'must be a string');
  }
  for (const field of BOOLEAN_FIELDS) {
    if (value[field] !== undefined && typeof value[field] !== 'boolean') {
      fail(`notification.${field}`, 'must be a boolean');
    }
  }
  if (value.dir !== undefined && value.dir !== 'auto' && value.dir !== 'ltr' && value.dir !== 'rtl') {
    fail('notification.dir', 'must be auto, ltr or rtl');
  }
  if (value.timestamp !== undefined && !(Number.isInteger(value.timestamp) && Number(value.timestamp) >= 0)) {
    fail('notification.timestamp', 'must be epoch milliseconds (an integer >= 0)');
  }
  if (value.actions !== undefined) checkActions(value.actions);
}

/**
 * Checks that `message` is a Declarative Web Push message (spec fields only, right types, `navigate` http(s) or a
 * path) and returns it typed.
 *
 * @throws InvalidPushMessageError naming the first bad field.
 */
export function validateDeclarativePush(message: unknown): DeclarativePush {
  if (!isRecord(message)) fail('message', 'must be an object');
  checkKnown(message, MESSAGE_FIELDS, '');
  if (message.web_push !== DECLARATIVE_PUSH_MAGIC) fail('web_push', `must be ${DECLARATIVE_PUSH_MAGIC}`);
  checkNotification(message.notification);
  if (message.app_badge !== undefined && !(Number.isSafeInteger(message.app_badge) && Number(message.app_badge) >= 0)) {
    fail('app_badge', 'must be an integer >= 0');
  }
  if (message.mutable !== undefined && typeof message.mutable !== 'boolean') fail('mutable', 'must be a boolean');
  // Every field was checked above (unknown ones refused), so the record is a DeclarativePush; TypeScript cannot
  // follow checks made through helpers.
  return message as unknown as DeclarativePush;
}

/**
 * Validates a message and encodes it as the JSON text that is encrypted and sent.
 *
 * @throws InvalidPushMessageError for a bad field, or (field `message`) when the UTF-8 encoding is over
 * {@link MAX_DECLARATIVE_PUSH_BYTES}.
 * @example
 * ```ts
 * encodeDeclarativePush({ web_push: 8030, notification: { title: 'Hi', navigate: '/' } });
 * ```
 */
export function encodeDeclarativePush(message: unknown): string {
  const valid = validateDeclarativePush(message);
  let text: string;
  try {
    text = JSON.stringify(valid);
  } catch (error) {
    fail('notification.data', `is not JSON-serialisable: ${(error as Error).message}`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DECLARATIVE_PUSH_BYTES) {
    fail(
      'message',
      `is ${bytes} bytes encoded, more than the ${MAX_DECLARATIVE_PUSH_BYTES} every push service accepts`,
    );
  }
  return text;
}
