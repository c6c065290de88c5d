/**
 * A real OpenID Provider for tests: panva's oidc-provider (OpenID Certified), configured like Zitadel as
 * AutoLabs meets it: discovery at the issuer, RS256 keys in its JWKS, PKCE (S256) required, roles in
 * Zitadel's project-roles claim `{"<role>": {"<orgId>": "<org domain>"}}` asked for with Zitadel's roles
 * scope and put into the ID token ("User roles inside ID Token"), no consent screen for the first-party
 * app, and RP-initiated logout. People sign in on its development login form with a login from
 * `accounts` (any password); its "[ Cancel ]" link answers access_denied, as Zitadel does when a user
 * aborts.
 */
import http from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '@autolabs/common/testing/free-port';

export const ZITADEL_ROLE_CLAIM = 'urn:zitadel:iam:org:project:roles';
export const ZITADEL_ROLES_SCOPE = 'urn:zitadel:iam:org:projects:roles';
const ORG_ID = '279384577298213890';
const ORG_DOMAIN = 'school.zitadel.example';

export interface TestAccount {
  name: string;
  email: string;
  /** AutoLabs roles granted in the project; none: the user has no role. */
  roles: string[];
}

export interface ZitadelLikeProvider {
  issuer: string;
  clientId: string;
  /** The ID tokens it issued, in order (tests inspect the last one's claims). */
  sessions(): Promise<number>;
  close(): Promise<void>;
}

export async function startZitadelLikeProvider(opts: {
  redirectUri: string;
  postLogoutRedirectUri: string;
  accounts: Record<string, TestAccount>;
  clientId?: string;
}): Promise<ZitadelLikeProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = opts.clientId ?? 'autolabs-web';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'zitadel-like-1', alg: 'RS256', use: 'sig' };
  const activeSessions = new Set<string>();

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [opts.redirectUri],
        post_logout_redirect_uris: [opts.postLogoutRedirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', ZITADEL_ROLES_SCOPE],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      [ZITADEL_ROLES_SCOPE]: [ZITADEL_ROLE_CLAIM],
    },
    conformIdTokenClaims: false,
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    cookies: { keys: ['zitadel-like-test-cookie-key'] },
    async findAccount(_ctx, sub) {
      const account = opts.accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          const roles = Object.fromEntries(account.roles.map((r) => [r, { [ORG_ID]: ORG_DOMAIN }]));
          return {
            sub,
            name: account.name,
            preferred_username: sub,
            email: account.email,
            email_verified: true,
            ...(account.roles.length > 0 ? { [ZITADEL_ROLE_CLAIM]: roles } : {}),
          };
        },
      };
    },
    // Zitadel shows no consent screen for a project's own app: every requested scope and claim is granted.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // A plain page (the default one loads web fonts from the internet).
        async logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html><head><title>Sign out</title></head><body>${form}
            <h1>Sign out of ${ORG_DOMAIN}?</h1>
            <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
        },
      },
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on('session.saved', (session: { accountId?: string; jti: string }) => {
    if (session.accountId) activeSessions.add(session.jti);
  });
  provider.on('session.destroyed', (session: { jti: string }) => activeSessions.delete(session.jti));
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    issuer,
    clientId,
    sessions: async () => activeSessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
