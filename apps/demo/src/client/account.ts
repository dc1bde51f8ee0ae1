import { computed, effect, signal } from '@preact/signals';
import { forgetAccountData } from './local-data';

/** The signed-in user as the server reports it. */
export interface User {
  id: string;
  username: string;
}

/** A failed account request: the HTTP status (0 when the server was unreachable) and the server's reason. */
export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The session: undefined while unknown (first check pending), null when signed out. */
export const currentUser = signal<User | null | undefined>(undefined);

const LAST_USER_KEY = 'outpost.mail.lastUser';

/**
 * Whose local data the page shows and whose account new outbox items are bound to: the signed-in user, or — while
 * the session is unknown because the server cannot be reached (an offline start) — the last user signed in on
 * this device, so their copies are readable and their mail can be queued offline. Null when signed out.
 */
export const deviceAccount = computed<string | null>(() => {
  const user = currentUser.value;
  if (user) return user.id;
  return user === undefined ? localStorage.getItem(LAST_USER_KEY) : null;
});

effect(() => {
  const user = currentUser.value;
  if (user) localStorage.setItem(LAST_USER_KEY, user.id);
  // Signed out (or the session ended): the next offline start shows nobody's data.
  else if (user === null) localStorage.removeItem(LAST_USER_KEY);
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      // The server's CSRF rule: state-changing requests must be JSON, which a cross-site form cannot send.
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      body: body === undefined ? (method === 'POST' ? '{}' : null) : JSON.stringify(body),
    });
  } catch {
    throw new AccountError(0, 'network');
  }
  const data: unknown = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
  if (!response.ok) throw new AccountError(response.status, reasonOf(data) ?? `HTTP ${response.status}`);
  return data;
}

function reasonOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { message, error } = data as { message?: unknown; error?: unknown };
  if (typeof message === 'string' && message) return message;
  return typeof error === 'string' ? error : undefined;
}

function userOf(data: unknown): User {
  const user = (data as { user?: Partial<User> } | null)?.user;
  if (!user || typeof user.username !== 'string') throw new AccountError(500, 'unexpected answer from the server');
  return { id: String(user.id ?? ''), username: user.username };
}

/** Asks the server who is signed in; leaves the session unknown when the server cannot be reached. */
export async function refreshSession(): Promise<void> {
  try {
    currentUser.value = userOf(await call('GET', '/api/auth/me'));
  } catch (error) {
    // An unreachable server tells nothing: keep what is known (unknown stays unknown, offline). Any other failure
    // (401 above all) means there is no usable session.
    if (!(error instanceof AccountError) || error.status !== 0) currentUser.value = null;
  }
}

/** Creates an account and signs it in. */
export async function signUp(username: string, password: string): Promise<void> {
  currentUser.value = userOf(await call('POST', '/api/auth/signup', { username, password }));
}

/** Signs in with a username and password. */
export async function signIn(username: string, password: string): Promise<void> {
  currentUser.value = userOf(await call('POST', '/api/auth/signin', { username, password }));
}

/**
 * Ends the session on the server and here, and removes the account's copies from this device (drafts, the last
 * inbox and sent folders). Its queued outbox items stay: hidden from others, they go out when it signs in again.
 */
export async function signOut(): Promise<void> {
  const leaving = currentUser.value;
  await call('POST', '/api/auth/signout');
  currentUser.value = null;
  if (leaving) await forgetAccountData(leaving.id);
}
