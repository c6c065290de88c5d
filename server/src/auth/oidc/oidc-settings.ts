/**
 * The browser sign-in's settings, read once from the validated environment (config/env.ts already refused
 * incomplete combinations). Null when OIDC_CLIENT_ID is unset: no "Sign in with ..." button, no routes.
 */
import type { Env } from '@autolabs/common/config/env';
import { OIDC_CALLBACK_PATH } from './sign-in-wire';

export interface OidcSignInSettings {
  issuer: URL;
  clientId: string;
  /** Null: a public client, which proves itself with PKCE alone. */
  clientSecret: string | null;
  /** Where the provider sends the browser back: registered at the provider exactly as written here. */
  redirectUrl: URL;
  /** Where the provider sends the browser after logging out (the web app's root, same origin as the callback). */
  postLogoutRedirectUrl: URL;
  scopes: string;
  roleClaim: string;
  /** "Sign in with <providerName>". */
  providerName: string;
}

type SignInEnv = Pick<
  Env,
  'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_REDIRECT_URL' | 'PUBLIC_URL' | 'OIDC_SCOPES' | 'OIDC_ROLE_CLAIM' | 'OIDC_PROVIDER_NAME'
>;

export function oidcSignInSettings(env: SignInEnv): OidcSignInSettings | null {
  if (!env.OIDC_CLIENT_ID || !env.OIDC_ISSUER) return null;
  const redirect = env.OIDC_REDIRECT_URL ?? (env.PUBLIC_URL ? new URL(OIDC_CALLBACK_PATH, env.PUBLIC_URL).href : null);
  if (!redirect) return null;
  const redirectUrl = new URL(redirect);
  const issuer = new URL(env.OIDC_ISSUER);
  return {
    issuer,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET ?? null,
    redirectUrl,
    postLogoutRedirectUrl: new URL('/', redirectUrl),
    scopes: env.OIDC_SCOPES,
    roleClaim: env.OIDC_ROLE_CLAIM,
    providerName: env.OIDC_PROVIDER_NAME ?? issuer.hostname,
  };
}
