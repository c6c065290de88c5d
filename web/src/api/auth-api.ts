/**
 * Sign-in and logout are plain HTTP routes (not tRPC) because they set and clear the HttpOnly session
 * cookie: the built-in form posts a password; OIDC sign-in is a navigation to the API, which sends the
 * browser to the provider and back (server/src/auth/oidc/).
 */
import {
  AUTH_OPTIONS_PATH,
  BUILTIN_OFF_CODE,
  OIDC_LOGIN_PATH,
  OIDC_LOGOUT_PATH,
  type AuthOptions,
  type LogoutAnswer,
} from '@autolabs/server/auth/oidc/sign-in-wire';
import type { ShownError } from './describe-error';

export type { AuthOptions };

export class AuthError extends Error implements ShownError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function login(username: string, password: string): Promise<void> {
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.ok) return;
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (res.status === 401) throw new AuthError('UNAUTHENTICATED', 'Wrong username or password.');
  if (body.code === BUILTIN_OFF_CODE) throw new AuthError(BUILTIN_OFF_CODE, 'Username and password sign-in is turned off here. Use your organisation\'s sign-in.');
  throw new AuthError(body.code ?? 'INTERNAL', body.message ?? `Login failed (HTTP ${res.status}).`);
}

/** How people sign in here; the built-in form alone when the server cannot say. */
export async function fetchAuthOptions(): Promise<AuthOptions> {
  try {
    const res = await fetch(AUTH_OPTIONS_PATH, { credentials: 'include' });
    if (res.ok) return (await res.json()) as AuthOptions;
  } catch {
    // fall through: the form still works, and its errors say what is wrong
  }
  return { builtin: true, oidc: null };
}

/** Where the "Sign in with ..." button goes: the API starts the provider's sign-in and brings the browser back to `returnTo`. */
export function oidcLoginHref(returnTo: string): string {
  return `${OIDC_LOGIN_PATH}?${new URLSearchParams({ returnTo }).toString()}`;
}

/**
 * Ends the session here; with OIDC configured, also answers where to go to end the provider's session
 * (null: nowhere, e.g. a built-in account or a provider without RP-initiated logout).
 */
export async function logout(options: AuthOptions | null): Promise<string | null> {
  if (!options?.oidc) {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'include' });
    return null;
  }
  const res = await fetch(OIDC_LOGOUT_PATH, { method: 'POST', credentials: 'include' });
  const answer = (await res.json().catch(() => ({ redirectTo: null }))) as LogoutAnswer;
  return typeof answer.redirectTo === 'string' ? answer.redirectTo : null;
}
