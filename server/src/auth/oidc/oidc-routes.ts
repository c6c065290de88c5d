/**
 * Browser sign-in through the OIDC provider, run by the API (authorization code flow with PKCE):
 *
 *   GET  /api/auth/options        how people sign in here (the login page asks)
 *   GET  /api/auth/oidc/login     -> 302 to the provider, with state, nonce and an S256 code challenge
 *   GET  /api/auth/oidc/callback  -> code exchanged, ID token checked, user created or updated from its
 *                                    claims, the built-in login's session cookie set, 302 to the page the
 *                                    sign-in started from; any refusal -> 302 to the web app's error page
 *   POST /api/auth/oidc/logout    -> session ended here; answers where the browser goes to end the
 *                                    provider's session too (RP-initiated logout), when it offers that
 *
 * Between login and callback the state, nonce, PKCE verifier and return path live in a sealed HttpOnly
 * cookie (sealed-cookie.ts) that only the callback path receives; the state is single-use across replicas
 * (the session store's claimOnce). Neither tokens nor the client secret are ever logged.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import type { PrismaClient } from '../../generated/prisma/client';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import { auditRefusedLogin, authCookieOptions, endBrowserSession, startBrowserSession } from '../browser-session';
import { knownRoleFromClaim } from '../oidc-roles';
import { upsertOidcUser } from '../oidc-user';
import { OidcProviderClient, SignInFailure, type FinishedSignIn } from './oidc-provider-client';
import { oidcSignInSettings, type OidcSignInSettings } from './oidc-settings';
import { safeReturnPath } from './return-path';
import { CookieSealer } from './sealed-cookie';
import {
  AUTH_OPTIONS_PATH,
  OIDC_CALLBACK_PATH,
  OIDC_LOGIN_PATH,
  OIDC_LOGOUT_PATH,
  SIGN_IN_ERROR_ROUTE,
  type AuthOptions,
  type LogoutAnswer,
} from './sign-in-wire';

const FLOW_COOKIE = 'autolabs_oidc_flow';
const LOGOUT_COOKIE = 'autolabs_oidc_logout';
/** How long a sign-in may take at the provider (typing a password, a second factor). */
const FLOW_TTL_S = 600;

export interface OidcRouteDeps {
  prisma: PrismaClient;
  env: Env;
  sessionStore: SessionStore;
  /** INTERNAL_API_SECRET (or the embedded install's generated one): the cookies' sealing key is derived from it. */
  internalSecret: string;
}

export async function registerOidcRoutes(app: FastifyInstance, deps: OidcRouteDeps): Promise<void> {
  const settings = oidcSignInSettings(deps.env);
  const options: AuthOptions = { builtin: deps.env.AUTH_BUILTIN === 'on', oidc: settings ? { name: settings.providerName } : null };
  app.get(AUTH_OPTIONS_PATH, async () => options);
  if (settings) registerFlow(app, deps, settings);
}

function registerFlow(app: FastifyInstance, deps: OidcRouteDeps, settings: OidcSignInSettings): void {
  const { prisma, env } = deps;
  const client = new OidcProviderClient(settings);
  const sealer = new CookieSealer(deps.internalSecret);
  // The flow cookie goes to the callback only; the logout hint to the logout route only.
  const flowCookie = authCookieOptions(env, OIDC_CALLBACK_PATH);
  const logoutCookie = authCookieOptions(env, OIDC_LOGOUT_PATH);

  app.get(OIDC_LOGIN_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const returnTo = safeReturnPath((req.query as { returnTo?: unknown }).returnTo);
    try {
      const started = await client.startSignIn();
      const { state, nonce, verifier } = started;
      reply.setCookie(FLOW_COOKIE, await sealer.seal('oidc-flow', { state, nonce, verifier, returnTo }, FLOW_TTL_S), { ...flowCookie, maxAge: FLOW_TTL_S });
      return reply.redirect(started.url.href, 302);
    } catch (e) {
      return refuse(req, reply, e);
    }
  });

  app.get(OIDC_CALLBACK_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    reply.clearCookie(FLOW_COOKIE, flowCookie);
    try {
      const query = new URL(req.url, 'http://callback.invalid').search;
      const flow = await sealer.open('oidc-flow', req.cookies[FLOW_COOKIE]);
      const state = new URLSearchParams(query).get('state');
      if (!flow || typeof flow.state !== 'string' || typeof flow.nonce !== 'string' || typeof flow.verifier !== 'string') {
        throw new SignInFailure('OIDC_STATE_MISMATCH', null, 'no sign-in was started in this browser, or it expired');
      }
      if (state !== flow.state) throw new SignInFailure('OIDC_STATE_MISMATCH', null, 'the callback state is not the one this browser started with');
      // Single use, whichever replica the callback reaches: a replayed callback URL with its cookie is refused.
      if (!(await deps.sessionStore.claimOnce(`oidc-state:${sha256(flow.state)}`, FLOW_TTL_S + 60))) {
        throw new SignInFailure('OIDC_STATE_MISMATCH', 'used', 'this sign-in was completed already');
      }
      const done = await client.finishSignIn(query, { state: flow.state, nonce: flow.nonce, verifier: flow.verifier });
      const claims = await claimsWithRole(client, settings, done);
      const role = knownRoleFromClaim(claims[settings.roleClaim]);
      if (!role) throw new SignInFailure('OIDC_NO_ROLE', null, `claim ${settings.roleClaim} names no AutoLabs role`, { cause: { subject: done.claims.sub } });
      const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
      const user = await upsertOidcUser(prisma, {
        subject: done.claims.sub,
        role,
        email: str(claims.email),
        name: str(claims.name),
        preferredUsername: str(claims.preferred_username),
      });
      if (user.disabled) throw new SignInFailure('ACCOUNT_DISABLED', null, `account ${user.username} is disabled`);
      await startBrowserSession(prisma, env, req, reply, user, { via: 'oidc' });
      const maxAge = Math.floor(env.SESSION_TTL_HOURS * 3600);
      reply.setCookie(LOGOUT_COOKIE, await sealer.seal('oidc-logout', { idToken: done.idToken }, maxAge), { ...logoutCookie, maxAge });
      req.log.info({ userId: user.id, role }, 'signed in through the OIDC provider');
      return reply.redirect(safeReturnPath(flow.returnTo), 302);
    } catch (e) {
      return refuse(req, reply, e);
    }
  });

  app.post(OIDC_LOGOUT_PATH, async (req, reply) => {
    await endBrowserSession(prisma, env, req, reply);
    const hint = await sealer.open('oidc-logout', req.cookies[LOGOUT_COOKIE]);
    reply.clearCookie(LOGOUT_COOKIE, logoutCookie);
    let redirectTo: string | null = null;
    // Only a session that came from the provider is ended there too.
    if (hint && typeof hint.idToken === 'string') {
      try {
        redirectTo = (await client.endSessionUrl(hint.idToken))?.href ?? null;
      } catch (e) {
        req.log.warn({ reason: errorSummary(e) }, 'the provider could not be reached to end its session; signed out here only');
      }
    }
    return { redirectTo } satisfies LogoutAnswer;
  });

  /** A refused sign-in: audited, logged without tokens, and the browser sent to the web app's error page. */
  async function refuse(req: FastifyRequest, reply: FastifyReply, e: unknown) {
    if (!(e instanceof SignInFailure)) throw e;
    req.log.warn({ code: e.code, reason: e.reason, detail: e.message, cause: errorSummary(e.cause) }, 'OIDC sign-in refused');
    await auditRefusedLogin(prisma, req, { via: 'oidc', code: e.code, ...(e.reason ? { reason: e.reason } : {}) });
    const query = new URLSearchParams({ code: e.code, ...(e.reason ? { reason: e.reason } : {}) });
    return reply.redirect(`/#${SIGN_IN_ERROR_ROUTE}?${query.toString()}`, 302);
  }
}

/** The ID token's claims, with the userinfo's beneath them when the role claim is only there (Zitadel can do either). */
async function claimsWithRole(client: OidcProviderClient, settings: OidcSignInSettings, done: FinishedSignIn): Promise<Record<string, unknown>> {
  if (done.claims[settings.roleClaim] !== undefined) return done.claims;
  const info = await client.userInfo(done.accessToken, done.claims.sub);
  return { ...info, ...done.claims };
}

/** Name, code and message of an error: never its fields or causes, which may hold tokens or responses. */
function errorSummary(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
