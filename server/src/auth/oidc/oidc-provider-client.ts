/**
 * The thin client for the OpenID Provider, on openid-client (the protocol, PKCE, and every ID token check:
 * signature against the provider's JWKS, issuer, audience, nonce, expiry). Discovery happens on first use
 * and is kept; a failed discovery is tried again on the next sign-in rather than remembered. An issuer
 * configured as http: (a provider on this machine) is allowed to answer over plain HTTP; https is required
 * otherwise. Failures are thrown as SignInFailure with the code the web app shows (sign-in-wire.ts).
 */
import * as oidc from 'openid-client';
import type { OidcSignInSettings } from './oidc-settings';
import { plainReason, type SignInErrorCode } from './sign-in-wire';

/** Seconds any one request to the provider may take. */
const REQUEST_TIMEOUT_S = 10;

export class SignInFailure extends Error {
  constructor(
    readonly code: SignInErrorCode,
    /** A short word shown beside the code (the provider's error code, or `clock`); never a message. */
    readonly reason: string | null,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts);
    this.name = 'SignInFailure';
  }
}

export interface StartedSignIn {
  url: URL;
  state: string;
  nonce: string;
  verifier: string;
}

export interface FinishedSignIn {
  /** The verified ID token's claims. */
  claims: oidc.IDToken;
  idToken: string;
  accessToken: string;
}

export class OidcProviderClient {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(private readonly settings: OidcSignInSettings) {}

  async startSignIn(): Promise<StartedSignIn> {
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl.href,
      response_type: 'code',
      scope: this.settings.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { url, state, nonce, verifier };
  }

  /** Exchanges the code in the callback's query; the state has been matched by the caller already. */
  async finishSignIn(callbackQuery: string, checks: { state: string; nonce: string; verifier: string }): Promise<FinishedSignIn> {
    const config = await this.config();
    // Built from the configured address, never from the request's Host header.
    const current = new URL(this.settings.redirectUrl);
    current.search = callbackQuery;
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.verifier,
        idTokenExpected: true,
      });
    } catch (e) {
      throw failureOf(e);
    }
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new SignInFailure('OIDC_TOKEN_INVALID', null, 'the provider sent no ID token');
    return { claims, idToken: tokens.id_token, accessToken: tokens.access_token };
  }

  /** The provider's userinfo for the signed-in subject (roles some providers put only there); null without an endpoint. */
  async userInfo(accessToken: string, subject: string): Promise<Record<string, unknown> | null> {
    const config = await this.config();
    if (!config.serverMetadata().userinfo_endpoint) return null;
    try {
      return await oidc.fetchUserInfo(config, accessToken, subject);
    } catch (e) {
      throw failureOf(e);
    }
  }

  /**
   * Where to send the browser to end the provider's session too (RP-initiated logout), or null when its
   * discovery offers no end_session_endpoint. Without an ID token the client id identifies us instead.
   */
  async endSessionUrl(idTokenHint: string | null): Promise<URL | null> {
    const config = await this.config();
    if (!config.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: this.settings.postLogoutRedirectUrl.href,
      ...(idTokenHint ? { id_token_hint: idTokenHint } : { client_id: this.settings.clientId }),
    });
  }

  private config(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      this.configuration = this.discover().catch((e: unknown) => {
        this.configuration = null;
        throw e;
      });
    }
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    const execute = [oidc.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])];
    try {
      const config = await oidc.discovery(
        issuer,
        clientId,
        clientSecret ?? undefined,
        clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
        { execute, timeout: REQUEST_TIMEOUT_S },
      );
      config.timeout = REQUEST_TIMEOUT_S;
      return config;
    } catch (e) {
      throw new SignInFailure('OIDC_UNAVAILABLE', null, `discovery of ${issuer.href} failed: ${discoveryProblem(e, issuer)}`, { cause: e });
    }
  }
}

/** What to fix when discovery fails: the issuer the provider names, or why it could not be asked. */
function discoveryProblem(e: unknown, issuer: URL): string {
  if (e instanceof oidc.ClientError && e.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    const named = (e.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer;
    if (typeof named === 'string') return `the provider there calls itself ${named}; set OIDC_ISSUER to ${named}`;
  }
  let cause: unknown = e;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : null;
  const why = code ?? (cause instanceof Error ? cause.message : String(cause));
  return `${why}; check OIDC_ISSUER and that ${issuer.host} answers from this host (/.well-known/openid-configuration)`;
}

/** openid-client failures that say the provider answered badly or not at all, rather than that a check failed. */
const NOT_ANSWERING = new Set(['OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_HTTP_REQUEST_FORBIDDEN', 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN']);

/** What an openid-client failure means for the person signing in. */
function failureOf(e: unknown): SignInFailure {
  if (e instanceof SignInFailure) return e;
  if (e instanceof oidc.AuthorizationResponseError) {
    return new SignInFailure('OIDC_REFUSED', plainReason(e.error), `the provider refused: ${e.error}`, { cause: e });
  }
  if (e instanceof oidc.ResponseBodyError) {
    return new SignInFailure('OIDC_TOKEN_INVALID', plainReason(e.error), `the provider refused the code: ${e.error}`, { cause: e });
  }
  if (e instanceof oidc.ClientError && !NOT_ANSWERING.has(String(e.code))) {
    const code = String(e.code);
    const reason = code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' ? 'clock' : null;
    return new SignInFailure('OIDC_TOKEN_INVALID', reason, `the provider's answer failed a check (${code})`, { cause: e });
  }
  return new SignInFailure('OIDC_UNAVAILABLE', null, 'the provider could not be reached', { cause: e });
}
