/**
 * The session cookie a browser signs in with, however it signed in (built-in password or the OIDC
 * provider): one place sets it, one place ends it, so both doors give the same HttpOnly cookie and the
 * same logout (session row deleted, audited, cookie cleared).
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/audit-log';
import type { Env } from '@autolabs/common/config/env';
import type { Prisma, PrismaClient, User } from '../generated/prisma/client';
import { SESSION_COOKIE, createAuthSession, deleteAuthSession, findSessionUser } from './cookie-session';

type CookieEnv = Pick<Env, 'SESSION_COOKIE_SECURE' | 'PUBLIC_URL'>;

export function sessionCookieSecure(env: CookieEnv): boolean {
  return env.SESSION_COOKIE_SECURE ?? env.PUBLIC_URL?.startsWith('https:') ?? false;
}

/** HttpOnly, SameSite=Lax (sent on the top-level navigation back from a provider), Secure when configured. */
export function authCookieOptions(env: CookieEnv, path = '/'): CookieSerializeOptions {
  return { path, httpOnly: true, sameSite: 'lax', secure: sessionCookieSecure(env) };
}

/** A new session for `user`, its cookie set on `reply`; audited as a successful `auth.login` (`detail` says how). */
export async function startBrowserSession(
  prisma: PrismaClient,
  env: Pick<Env, 'SESSION_TTL_HOURS'> & CookieEnv,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  detail?: { via: 'oidc' },
): Promise<void> {
  const { token } = await createAuthSession(prisma, user.id, env.SESSION_TTL_HOURS);
  await recordAudit(prisma, req.log, {
    actorId: user.id,
    actorRole: user.role,
    action: 'auth.login',
    targetType: 'user',
    targetId: user.id,
    outcome: 'success',
    detail,
    requestId: req.id,
  });
  reply.setCookie(SESSION_COOKIE, token, { ...authCookieOptions(env), maxAge: Math.floor(env.SESSION_TTL_HOURS * 3600) });
}

/** A refused sign-in, audited as a denied `auth.login`: what was tried and why, never a password or token. */
export async function auditRefusedLogin(
  prisma: PrismaClient,
  req: FastifyRequest,
  detail: Prisma.InputJsonValue,
  user: Pick<User, 'id' | 'role'> | null = null,
): Promise<void> {
  await recordAudit(prisma, req.log, {
    actorId: user?.id ?? null,
    actorRole: user?.role ?? null,
    action: 'auth.login',
    targetType: 'user',
    targetId: user?.id ?? null,
    outcome: 'denied',
    detail,
    requestId: req.id,
  });
}

/** Deletes the request's session (if any), audits `auth.logout` for its user and clears the cookie. */
export async function endBrowserSession(prisma: PrismaClient, env: CookieEnv, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = req.cookies[SESSION_COOKIE];
  if (token) {
    const user = await findSessionUser(prisma, token);
    await deleteAuthSession(prisma, token);
    if (user) {
      await recordAudit(prisma, req.log, {
        actorId: user.id,
        actorRole: user.role,
        action: 'auth.logout',
        targetType: 'user',
        targetId: user.id,
        outcome: 'success',
        requestId: req.id,
      });
    }
  }
  reply.clearCookie(SESSION_COOKIE, authCookieOptions(env));
}
