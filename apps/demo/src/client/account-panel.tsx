import { useSignal } from '@preact/signals';
import type { JSX } from 'preact';
import { AccountError, currentUser, signIn, signOut, signUp } from './account';
import { online } from './connectivity';
import { strings } from './i18n';

/** Sign up / sign in forms when signed out; the user's name and a sign-out button when signed in. */
export function AccountPanel(): JSX.Element {
  const t = strings.value;
  const user = currentUser.value;
  if (user === undefined) {
    // The first session check has not answered: still loading, or the server is unreachable (offline start).
    return (
      <section class="account" aria-busy={online.value} data-testid="account-unknown">
        {!online.value && <p class="muted">{t.accountOffline}</p>}
      </section>
    );
  }
  if (user) {
    return (
      <section class="account" aria-label={t.account}>
        <span class="muted">{t.signedInAs}</span> <strong data-testid="signed-in-user">{user.username}</strong>
        <SignOutButton />
      </section>
    );
  }
  return <SignInForm />;
}

function SignOutButton(): JSX.Element {
  const busy = useSignal(false);
  const onClick = async (): Promise<void> => {
    busy.value = true;
    try {
      await signOut();
    } catch (error) {
      console.warn('sign out failed', error);
    } finally {
      busy.value = false;
    }
  };
  return (
    <button type="button" class="link" data-testid="sign-out" disabled={busy.value} onClick={onClick}>
      {strings.value.signOut}
    </button>
  );
}

function SignInForm(): JSX.Element {
  const t = strings.value;
  const mode = useSignal<'signin' | 'signup'>('signin');
  const busy = useSignal(false);
  const error = useSignal('');
  const isSignUp = mode.value === 'signup';

  const onSubmit = async (event: JSX.TargetedSubmitEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    busy.value = true;
    error.value = '';
    try {
      await (isSignUp ? signUp : signIn)(username, password);
    } catch (caught) {
      error.value = caught instanceof AccountError && caught.status !== 0 ? caught.message : strings.value.networkError;
    } finally {
      busy.value = false;
    }
  };

  return (
    <form class="account" data-testid={isSignUp ? 'signup-form' : 'signin-form'} onSubmit={onSubmit}>
      <h2>{isSignUp ? t.signUp : t.signIn}</h2>
      <label>
        {t.username}
        <input
          name="username"
          autocomplete="username"
          required
          minLength={3}
          maxLength={32}
          pattern="[A-Za-z0-9._\-]+"
          data-testid="username"
        />
      </label>
      {isSignUp && <small class="muted">{t.usernameHint}</small>}
      <label>
        {t.password}
        <input
          name="password"
          type="password"
          autocomplete={isSignUp ? 'new-password' : 'current-password'}
          required
          minLength={8}
          maxLength={256}
          data-testid="password"
        />
      </label>
      {isSignUp && <small class="muted">{t.passwordHint}</small>}
      {error.value && (
        <p class="error" role="alert" data-testid="account-error">
          {error.value}
        </p>
      )}
      <button type="submit" disabled={busy.value} data-testid="account-submit">
        {busy.value ? t.working : isSignUp ? t.signUp : t.signIn}
      </button>
      <button
        type="button"
        class="link"
        data-testid={isSignUp ? 'show-signin' : 'show-signup'}
        onClick={() => {
          mode.value = isSignUp ? 'signin' : 'signup';
          error.value = '';
        }}
      >
        {isSignUp ? t.haveAccount : t.needAccount}
      </button>
    </form>
  );
}
