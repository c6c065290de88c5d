import { describe, expect, it } from 'vitest';
import { loadEnv } from '@autolabs/common/config/env';
import { oidcSignInSettings } from './oidc-settings';

const ZITADEL = { OIDC_ISSUER: 'https://id.example.edu', OIDC_CLIENT_ID: '2811@autolabs' };

describe('browser sign-in settings', () => {
  it('are off without a client id', () => {
    expect(oidcSignInSettings(loadEnv({ OIDC_ISSUER: 'https://id.example.edu', OIDC_AUDIENCE: 'autolabs' }))).toBeNull();
  });

  it('derive the callback and the post-logout address from PUBLIC_URL, and name the button after the issuer', () => {
    const settings = oidcSignInSettings(loadEnv({ ...ZITADEL, PUBLIC_URL: 'https://labs.example.edu' }));
    expect(settings).toMatchObject({ clientSecret: null, scopes: 'openid profile email', roleClaim: 'urn:zitadel:iam:org:project:roles', providerName: 'id.example.edu' });
    expect(settings?.redirectUrl.href).toBe('https://labs.example.edu/api/auth/oidc/callback');
    expect(settings?.postLogoutRedirectUrl.href).toBe('https://labs.example.edu/');
  });

  it('take OIDC_REDIRECT_URL, the client secret and a provider name as given', () => {
    const settings = oidcSignInSettings(
      loadEnv({ ...ZITADEL, OIDC_REDIRECT_URL: 'https://labs.example.edu:8443/api/auth/oidc/callback', OIDC_CLIENT_SECRET: 's3cret', OIDC_PROVIDER_NAME: 'School ID' }),
    );
    expect(settings).toMatchObject({ clientSecret: 's3cret', providerName: 'School ID' });
    expect(settings?.postLogoutRedirectUrl.href).toBe('https://labs.example.edu:8443/');
  });

  it('refuse configurations nobody could sign in with, naming the variable', () => {
    const refusal = (vars: Record<string, string>) => {
      try {
        loadEnv(vars);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(refusal({ OIDC_CLIENT_ID: 'x', PUBLIC_URL: 'https://labs.example.edu' })).toBe('invalid configuration: OIDC_ISSUER: required when OIDC_CLIENT_ID is set');
    expect(refusal(ZITADEL)).toBe('invalid configuration: OIDC_REDIRECT_URL: required when OIDC_CLIENT_ID is set and PUBLIC_URL is not');
    expect(refusal({ OIDC_CLIENT_SECRET: 'x' })).toBe('invalid configuration: OIDC_CLIENT_ID: required when OIDC_CLIENT_SECRET is set');
    expect(refusal({ AUTH_BUILTIN: 'off' })).toBe('invalid configuration: OIDC_CLIENT_ID: required when AUTH_BUILTIN=off (nobody could sign in)');
    expect(refusal({ AUTH_BUILTIN: 'no' })).toBe('invalid configuration: AUTH_BUILTIN: expected one of on, off');
    expect(refusal({ ...ZITADEL, PUBLIC_URL: 'https://labs.example.edu', OIDC_SCOPES: 'profile email' })).toBe(
      'invalid configuration: OIDC_SCOPES: expected a scope list that includes openid',
    );
    expect(refusal({ ...ZITADEL, PUBLIC_URL: 'https://labs.example.edu', AUTH_BUILTIN: 'off' })).toBeNull();
  });
});
