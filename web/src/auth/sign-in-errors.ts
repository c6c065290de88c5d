/**
 * What a refused OIDC sign-in says to the person (the server sends only a code and, sometimes, the
 * provider's own error word; server/src/auth/oidc/sign-in-wire.ts). Unknown codes get a general sentence,
 * so nothing a link puts in the URL is ever shown as a message.
 */
import { isSignInErrorCode, plainReason, type SignInErrorCode } from '@autolabs/server/auth/oidc/sign-in-wire';
import type { ShownError } from '../api/describe-error';

const MESSAGES: Record<SignInErrorCode, (provider: string, reason: string | null) => string> = {
  OIDC_REFUSED: (provider, reason) =>
    reason === 'access_denied'
      ? `Sign-in was cancelled or refused at ${provider}. You are not signed in.`
      : `${provider} did not sign you in${reason ? ` (it answered ${reason})` : ''}. Try again, or ask your administrator.`,
  OIDC_NO_ROLE: (provider) =>
    `You signed in at ${provider}, but your account there has no AutoLabs role. Ask your teacher or an administrator to give you the student, teacher or admin role for AutoLabs, then sign in again.`,
  OIDC_STATE_MISMATCH: () =>
    'This sign-in does not match one started in this browser: it took too long, was used already, or its link was changed. Start again from the sign-in page.',
  OIDC_TOKEN_INVALID: (provider, reason) =>
    reason === 'clock'
      ? `The answer from ${provider} was refused because the clocks of AutoLabs and ${provider} disagree. Tell your administrator.`
      : `The answer from ${provider} did not pass AutoLabs' checks, so you are not signed in. Try again; if it keeps happening, tell your administrator.`,
  OIDC_UNAVAILABLE: (provider) => `${provider} cannot be reached right now. Try again in a moment.`,
  ACCOUNT_DISABLED: () => 'Your AutoLabs account is disabled. Ask an administrator to enable it.',
};

export function signInError(query: URLSearchParams, provider: string | null): ShownError {
  const code = query.get('code');
  const name = provider ?? 'the sign-in provider';
  if (!isSignInErrorCode(code)) return { code: 'SIGN_IN_FAILED', message: 'Sign-in did not complete. Start again from the sign-in page.' };
  const message = MESSAGES[code](name, plainReason(query.get('reason')));
  return { code, message: message.charAt(0).toUpperCase() + message.slice(1) };
}
