/**
 * The request header that binds a request to the account that made it: the account's id (`SessionUser.id`). The
 * `@outpost/pwa` outbox records the signed-in account when a request is queued and sends it with every replay, so a
 * request queued by one user is never carried out in the session of another who signed in on the same device.
 */
export const ACCOUNT_HEADER = 'outpost-account';

/**
 * The `code` of the 401 answered to a request bound to another account than the session's: the request needs its
 * own account's sign-in, so the outbox keeps it waiting (`needs-sign-in`, its rule for every 401) instead of
 * failing it, and a reader of the answer can tell it from a session that ended.
 */
export const ACCOUNT_MISMATCH_CODE = 'OUTPOST_ACCOUNT_MISMATCH';

/** The error answer for a bound request that must not run in this session. */
export interface AccountBindingRefusal {
  statusCode: 401;
  error: string;
  code?: string;
  message: string;
}

/**
 * Why a request carrying {@link ACCOUNT_HEADER} must not run in this session, or null when it may (no header, or
 * the header names the signed-in account). Without a session it is 401 (sign in, then retry); with another
 * account's session it is 401 with {@link ACCOUNT_MISMATCH_CODE} (that account must sign in).
 */
export function accountBindingRefusal(
  header: string | string[] | undefined,
  user: { id: string } | null,
): AccountBindingRefusal | null {
  if (header === undefined) return null;
  if (!user) {
    return { statusCode: 401, error: 'Unauthorized', message: 'sign in required' };
  }
  if (header === user.id) return null;
  return {
    statusCode: 401,
    error: 'Unauthorized',
    code: ACCOUNT_MISMATCH_CODE,
    message: 'this request was made by another account: it is kept until that account signs in',
  };
}
