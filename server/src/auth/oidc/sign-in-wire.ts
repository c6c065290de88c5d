/**
 * What the web app and the API agree on about signing in: the routes, what GET /api/auth/options answers,
 * and the codes a failed OIDC sign-in is reported with. The callback cannot answer a page itself (the web
 * app is static files), so it sends the browser to the web app's error route with one of these codes;
 * the web app holds the sentences. Imported by web code, so nothing here may pull in Node modules.
 */

export const AUTH_OPTIONS_PATH = '/api/auth/options';
export const OIDC_LOGIN_PATH = '/api/auth/oidc/login';
export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';
export const OIDC_LOGOUT_PATH = '/api/auth/oidc/logout';
/** The web app's hash route for a refused sign-in: `/#/sign-in-error?code=<code>[&reason=<provider's code>]`. */
export const SIGN_IN_ERROR_ROUTE = '/sign-in-error';

/** GET /api/auth/options: how people sign in here. */
export interface AuthOptions {
  /** Built-in accounts (the username and password form) may sign in. */
  builtin: boolean;
  /** Browser sign-in through the OIDC provider, and the name its button shows; null when not configured. */
  oidc: { name: string } | null;
}

/** POST /api/auth/oidc/logout: where the browser goes next to end the provider's session too (null: nowhere). */
export interface LogoutAnswer {
  redirectTo: string | null;
}

/** POST /api/auth/login's refusal (403) when AUTH_BUILTIN=off. */
export const BUILTIN_OFF_CODE = 'BUILTIN_LOGIN_OFF';

export const SIGN_IN_ERROR_CODES = [
  /** The provider answered with an error instead of a code (the user cancelled, access_denied, ...). */
  'OIDC_REFUSED',
  /** The provider signed the user in, but its role claim names no AutoLabs role. */
  'OIDC_NO_ROLE',
  /** The callback's state is not the one this browser started with: expired, used already, or tampered with. */
  'OIDC_STATE_MISMATCH',
  /** The code exchange was refused or the ID token failed a check (signature, issuer, audience, nonce, time). */
  'OIDC_TOKEN_INVALID',
  /** The provider could not be reached, or its discovery document is not for the configured issuer. */
  'OIDC_UNAVAILABLE',
  /** The AutoLabs account exists and is disabled. */
  'ACCOUNT_DISABLED',
] as const;

export type SignInErrorCode = (typeof SIGN_IN_ERROR_CODES)[number];

export function isSignInErrorCode(code: string | null): code is SignInErrorCode {
  return (SIGN_IN_ERROR_CODES as readonly (string | null)[]).includes(code);
}

/** A provider's error code or our reason word, as it may travel in the error route's query: short and plain. */
export function plainReason(reason: string | null | undefined): string | null {
  return reason && /^[a-z0-9_.-]{1,64}$/i.test(reason) ? reason : null;
}
