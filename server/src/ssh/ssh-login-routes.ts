/**
 * POST /internal/ssh/login: the gateway's SSH front door asks who a credential belongs to and gets an
 * owner terminal ticket for one of that user's running labs (ssh-login-wire.ts). This is where the SSH
 * door is decided, with the same rules as the browser's: the same sign-in throttle and counters (one
 * budget per account and client, whichever door it knocks on), the same audit log (`ssh.login`, success
 * and denied, never the credential), the same instances a student may use (access.ts `usableBy`) and
 * the same ticket (terminal-ticket.ts). "No such user", "wrong key", "wrong password" and "disabled"
 * get one answer, so the door tells nobody which accounts exist. An account whose password an admin reset
 * gets in nowhere until it has chosen a new one in the web app (with any right credential, it is told so).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/audit-log';
import { LoginThrottle } from '../auth/login-throttle';
import { verifyPassword } from '../auth/password';
import type { Prisma } from '../generated/prisma/client';
import type { ApiServices } from '../trpc/api-services';
import { issueOwnerTicket } from '../trpc/terminal-ticket';
import { internalCallAllowed } from '@autolabs/common/ssh/internal-auth';
import { matchInstancePassword, spendInstancePassword, type MatchedPassword } from './instance-password';
import { runningLabsOf } from './running-labs';
import { pickLab, pickPasswordLab } from './ssh-lab-choice';
import { SSH_LOGIN_PATH, sshLoginRequestSchema, type SshLoginAnswer, type SshLoginRequest } from '@autolabs/common/ssh/ssh-login-wire';
import { fingerprintOf } from './ssh-public-key';

export interface SshLoginRouteOptions {
  /** INTERNAL_API_SECRET (platform/internal-secret.ts). */
  secret: string;
  now?: () => number;
}

export async function registerSshLoginRoutes(app: FastifyInstance, services: ApiServices, opts: SshLoginRouteOptions): Promise<void> {
  const throttle = new LoginThrottle(services.sessionStore);
  const now = opts.now ?? Date.now;
  const prisma = services.db.prisma;

  app.post(SSH_LOGIN_PATH, async (req, reply) => {
    if (!internalCallAllowed(req.headers.authorization, opts.secret)) {
      req.log.warn({ address: req.ip }, 'internal ssh login call refused: wrong or missing secret');
      return reply.code(404).send({ code: 'NOT_FOUND', message: 'not found' });
    }
    const parsed = sshLoginRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply.code(400).send({ code: 'BAD_INPUT', message: `${issue.path.join('.')}: ${issue.message}`, field: issue.path.join('.') || null });
    }
    return answer(req, parsed.data);
  });

  async function answer(req: FastifyRequest, login: SshLoginRequest): Promise<SshLoginAnswer> {
    const { username, clientAddress, credential } = login;
    const audit = (entry: { actorId: string | null; actorRole: string | null; outcome: 'success' | 'denied'; detail: Prisma.InputJsonValue }) =>
      recordAudit(prisma, req.log, { ...entry, action: 'ssh.login', targetType: 'user', targetId: entry.actorId, requestId: req.id });
    const base = { username, lab: login.lab, method: credential.kind, address: clientAddress };

    const throttled = await throttle.check(username, clientAddress, now());
    if (throttled) {
      await audit({ actorId: null, actorRole: null, outcome: 'denied', detail: { ...base, reason: 'throttled', limit: throttled.limit } });
      const seconds = Math.max(1, Math.ceil(throttled.retryAfterMs / 1000));
      return { outcome: 'denied', code: 'RATE_LIMITED', message: `Too many failed sign-ins for ${username} from your address; try again in ${seconds} s.`, retryAfterSeconds: seconds };
    }

    const user = await prisma.user.findUnique({ where: { username: username.toLowerCase() } });
    const at = new Date(now());
    let keyId: string | null = null;
    let oneTime: MatchedPassword | null = null;
    let ok = false;
    if (credential.kind === 'publickey') {
      const fingerprint = fingerprintOf(Buffer.from(credential.key, 'base64'));
      const key = user ? await prisma.sshPublicKey.findFirst({ where: { userId: user.id, fingerprint } }) : null;
      keyId = key?.id ?? null;
      ok = key !== null;
      Object.assign(base, { fingerprint });
    } else {
      // A lab's one-time password (instance-password.ts), else the account's own, unless built-in
      // accounts are off (AUTH_BUILTIN=off: people sign in through the OIDC provider, which SSH cannot ask).
      oneTime = await matchInstancePassword(prisma, user?.id, credential.password, at);
      ok = oneTime !== null || (services.env.AUTH_BUILTIN === 'on' && (await verifyPassword(credential.password, user?.passwordHash)));
    }
    const deny = async (reason: string | null): Promise<SshLoginAnswer> => {
      await throttle.recordFailure(username, clientAddress, now());
      await audit({ actorId: user?.id ?? null, actorRole: user?.role ?? null, outcome: 'denied', detail: reason ? { ...base, reason } : base });
      const how =
        credential.kind === 'publickey'
          ? 'this key is not on that account\'s profile. Add your public key under "SSH keys" in the web app'
          : 'wrong username or password (a one-time lab password opens one login within 30 minutes; reveal a new one on the lab\'s page)';
      return { outcome: 'denied', code: 'UNAUTHENTICATED', message: `Permission denied: ${how}.` };
    };
    if (!ok || !user || user.disabled || user.role === 'viewer') return deny(null);
    if (user.mustChangePassword) {
      // The credential was right, so nothing counts against the throttle; the reset password is for the web app only.
      await audit({ actorId: user.id, actorRole: user.role, outcome: 'denied', detail: { ...base, reason: 'password change required' } });
      return { outcome: 'denied', code: 'UNAUTHENTICATED', message: 'Permission denied: an administrator reset your password. Sign in to the web app and choose a new one first.' };
    }
    if (credential.kind === 'password') Object.assign(base, { password: oneTime ? 'one-time' : 'account' });

    const labs = await runningLabsOf(prisma, user.id);
    const pick = oneTime ? pickPasswordLab(labs, oneTime.instanceId, login.lab, user.username) : pickLab(labs, login.lab, user.username);
    if (pick.kind === 'none') {
      // The credential was right: no failure to count, and a one-time password is not spent on no lab.
      await throttle.recordSuccess(username, clientAddress);
      await audit({ actorId: user.id, actorRole: user.role, outcome: 'success', detail: { ...base, lab: null, note: 'no lab chosen' } });
      return { outcome: 'accepted', userId: user.id, ticket: null, lab: null, message: pick.message, choices: pick.choices };
    }
    const { ticket } = await issueOwnerTicket(services, user, pick.lab.instance);
    // Spent last, when the ticket exists: two connections racing with one password get one login.
    if (oneTime && !(await spendInstancePassword(prisma, oneTime, new Date(now())))) return deny('one-time password already used');
    await throttle.recordSuccess(username, clientAddress);
    if (keyId) await prisma.sshPublicKey.update({ where: { id: keyId }, data: { lastUsedAt: at } });
    await audit({ actorId: user.id, actorRole: user.role, outcome: 'success', detail: { ...base, instanceId: pick.lab.instanceId } });
    return { outcome: 'accepted', userId: user.id, ticket, lab: pick.choice, message: null, choices: pick.choices };
  }
}
