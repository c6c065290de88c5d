/**
 * Sign-in for built-in accounts: POST /api/auth/login sets an HttpOnly session cookie, POST
 * /api/auth/logout removes the session. Both are audited, failed sign-ins included (with the username
 * tried, never the password). "No such user", "wrong password" and "disabled" get the same answer.
 * With AUTH_BUILTIN=off every built-in sign-in is refused with BUILTIN_LOGIN_OFF (OIDC only).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Env } from '@autolabs/common/config/env';
import type { PrismaClient } from '../generated/prisma/client';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import { auditRefusedLogin, endBrowserSession, startBrowserSession } from './browser-session';
import { LoginThrottle } from './login-throttle';
import { BUILTIN_OFF_CODE } from './oidc/sign-in-wire';
import { verifyPassword } from './password';

const loginBody = z.object({
  username: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(200),
});

export async function registerAuthRoutes(
  app: FastifyInstance,
  deps: { prisma: PrismaClient; env: Env; sessionStore: SessionStore; now?: () => number },
): Promise<void> {
  const { prisma, env } = deps;
  const now = deps.now ?? Date.now;
  // Counts live in the session store, so replicas share them (see login-throttle.ts). `req.ip` is the
  // socket's address, or the client's as reported by a proxy that TRUST_PROXY names (app.ts).
  const throttle = new LoginThrottle(deps.sessionStore);

  app.post('/api/auth/login', async (req, reply) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.map(String).join('.') || null;
      return reply.code(400).send({ code: 'BAD_INPUT', message: field ? `${field}: ${issue.message}` : issue.message, field });
    }
    const { username, password } = parsed.data;
    if (env.AUTH_BUILTIN === 'off') {
      // Refused before the throttle or the password is looked at: no built-in account signs in here.
      req.log.info({ username, address: req.ip }, 'built-in sign-in refused: AUTH_BUILTIN=off');
      await auditRefusedLogin(prisma, req, { username, reason: 'builtin-off' });
      return reply.code(403).send({ code: BUILTIN_OFF_CODE, message: 'built-in accounts are turned off here; sign in with your organisation' });
    }
    // The password is not even looked at while the attempt has to wait.
    const throttled = await throttle.check(username, req.ip, now());
    if (throttled) {
      req.log.warn({ username, address: req.ip, limit: throttled.limit }, 'sign-in throttled');
      await auditRefusedLogin(prisma, req, { username, reason: 'throttled', limit: throttled.limit });
      const seconds = Math.max(1, Math.ceil(throttled.retryAfterMs / 1000));
      reply.header('retry-after', String(seconds));
      return reply.code(429).send({ code: 'RATE_LIMITED', message: `too many failed sign-ins; try again in ${waitText(seconds)}` });
    }
    const user = await prisma.user.findUnique({ where: { username: username.toLowerCase() } });
    const ok = (await verifyPassword(password, user?.passwordHash)) && user !== null && !user.disabled;
    if (!ok || !user) {
      await throttle.recordFailure(username, req.ip, now());
      req.log.info({ username, address: req.ip }, 'sign-in refused');
      await auditRefusedLogin(prisma, req, { username }, user);
      return reply.code(401).send({ code: 'UNAUTHENTICATED', message: 'wrong username or password' });
    }
    await throttle.recordSuccess(username, req.ip);
    await startBrowserSession(prisma, env, req, reply, user);
    const { id, displayName, email, role, mustChangePassword } = user;
    return { user: { id, username: user.username, displayName, email, role, mustChangePassword } };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    await endBrowserSession(prisma, env, req, reply);
    return reply.code(204).send();
  });
}

function waitText(seconds: number): string {
  return seconds < 60 ? `${seconds} second(s)` : `${Math.ceil(seconds / 60)} minute(s)`;
}
