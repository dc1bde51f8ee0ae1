/**
 * The request header that binds a request to the account that made it: the account's id (`SessionUser.id`). The
 * `@outpost/pwa` outbox records the signed-in account when a request is queued and sends it with every replay, so a
 * request queued by one user is never carried out in the session of another who signed in on the same device.
 */
export const ACCOUNT_HEADER = 'outpost-account';

/**
 * The `code` of the 403 answered to a request bound to another account than the session's. The outbox keeps such
 * an item waiting (`needs-sign-in`) for its own account instead of failing it.
 */
export const ACCOUNT_MISMATCH_CODE = 'OUTPOST_ACCOUNT_MISMATCH';

/** The error answer for a bound request that must not run in this session. */
export interface AccountBindingRefusal {
  statusCode: 401 | 403;
  error: string;
  code?: string;
  message: string;
}

/**
 * Why a request carrying {@link ACCOUNT_HEADER} must not run in this session, or null when it may (no header, or
 * the header names the signed-in account). Without a session it is 401 (sign in, then retry); with another
 * account's session it is 403 with {@link ACCOUNT_MISMATCH_CODE}.
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
    statusCode: 403,
    error: 'Forbidden',
    code: ACCOUNT_MISMATCH_CODE,
    message: 'this request was made by another account: it is kept until that account signs in',
  };
}
