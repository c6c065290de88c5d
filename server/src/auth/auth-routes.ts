/**
 * Sign-in for built-in accounts: POST /api/auth/login sets an HttpOnly session cookie, POST
 * /api/auth/logout removes the session. Both are audited, failed sign-ins included (with the username
 * tried, never the password). "No such user", "wrong password" and "disabled" get the same answer.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../audit/audit-log';
import type { Env } from '../config/env';
import type { PrismaClient } from '../generated/prisma/client';
import type { SessionStore } from '../infra/session-store/session-store';
import { SESSION_COOKIE, createAuthSession, deleteAuthSession, findSessionUser } from './cookie-session';
import { LoginThrottle } from './login-throttle';
import { verifyPassword } from './password';

const loginBody = z.object({
  username: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(200),
});

export function sessionCookieSecure(env: Pick<Env, 'SESSION_COOKIE_SECURE' | 'PUBLIC_URL'>): boolean {
  return env.SESSION_COOKIE_SECURE ?? env.PUBLIC_URL?.startsWith('https:') ?? false;
}

export async function registerAuthRoutes(
  app: FastifyInstance,
  deps: { prisma: PrismaClient; env: Env; sessionStore: SessionStore; now?: () => number },
): Promise<void> {
  const { prisma, env } = deps;
  const now = deps.now ?? Date.now;
  // Counts live in the session store, so replicas share them (see login-throttle.ts). `req.ip` is the
  // socket's address, or the client's as reported by a proxy that TRUST_PROXY names (app.ts).
  const throttle = new LoginThrottle(deps.sessionStore);
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: sessionCookieSecure(env) };

  app.post('/api/auth/login', async (req, reply) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.map(String).join('.') || null;
      return reply.code(400).send({ code: 'BAD_INPUT', message: field ? `${field}: ${issue.message}` : issue.message, field });
    }
    const { username, password } = parsed.data;
    // The password is not even looked at while the attempt has to wait.
    const throttled = await throttle.check(username, req.ip, now());
    if (throttled) {
      req.log.warn({ username, address: req.ip, limit: throttled.limit }, 'sign-in throttled');
      await recordAudit(prisma, req.log, {
        actorId: null,
        actorRole: null,
        action: 'auth.login',
        targetType: 'user',
        outcome: 'denied',
        detail: { username, reason: 'throttled', limit: throttled.limit },
        requestId: req.id,
      });
      const seconds = Math.max(1, Math.ceil(throttled.retryAfterMs / 1000));
      reply.header('retry-after', String(seconds));
      return reply.code(429).send({ code: 'RATE_LIMITED', message: `too many failed sign-ins; try again in ${waitText(seconds)}` });
    }
    const user = await prisma.user.findUnique({ where: { username: username.toLowerCase() } });
    const ok = (await verifyPassword(password, user?.passwordHash)) && user !== null && !user.disabled;
    if (!ok || !user) {
      await throttle.recordFailure(username, req.ip, now());
      req.log.info({ username, address: req.ip }, 'sign-in refused');
      await recordAudit(prisma, req.log, {
        actorId: user?.id ?? null,
        actorRole: user?.role ?? null,
        action: 'auth.login',
        targetType: 'user',
        targetId: user?.id ?? null,
        outcome: 'denied',
        detail: { username },
        requestId: req.id,
      });
      return reply.code(401).send({ code: 'UNAUTHENTICATED', message: 'wrong username or password' });
    }
    await throttle.recordSuccess(username, req.ip);
    const { token } = await createAuthSession(prisma, user.id, env.SESSION_TTL_HOURS);
    await recordAudit(prisma, req.log, {
      actorId: user.id,
      actorRole: user.role,
      action: 'auth.login',
      targetType: 'user',
      targetId: user.id,
      outcome: 'success',
      requestId: req.id,
    });
    reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: Math.floor(env.SESSION_TTL_HOURS * 3600) });
    const { id, displayName, email, role } = user;
    return { user: { id, username: user.username, displayName, email, role } };
  });

  app.post('/api/auth/logout', async (req, reply) => {
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
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.code(204).send();
  });
}

function waitText(seconds: number): string {
  return seconds < 60 ? `${seconds} second(s)` : `${Math.ceil(seconds / 60)} minute(s)`;
}
