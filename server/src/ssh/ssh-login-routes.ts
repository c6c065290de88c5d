/**
 * POST /internal/ssh/login: the gateway's SSH front door asks who a credential belongs to and gets an
 * owner terminal ticket for one of that user's running labs (ssh-login-wire.ts). This is where the SSH
 * door is decided, with the same rules as the browser's: the same sign-in throttle and counters (one
 * budget per account and client, whichever door it knocks on), the same audit log (`ssh.login`, success
 * and denied, never the credential), the same instances a student may use (access.ts `usableBy`) and
 * the same ticket (terminal-ticket.ts). "No such user", "wrong key", "wrong password" and "disabled"
 * get one answer, so the door tells nobody which accounts exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit } from '../audit/audit-log';
import { LoginThrottle } from '../auth/login-throttle';
import { verifyPassword } from '../auth/password';
import type { Prisma } from '../generated/prisma/client';
import { usableBy } from '../trpc/access';
import type { ApiServices } from '../trpc/api-services';
import { issueOwnerTicket } from '../trpc/terminal-ticket';
import { internalCallAllowed } from './internal-auth';
import { pickLab } from './ssh-lab-choice';
import { SSH_LOGIN_PATH, sshLoginRequestSchema, type SshLoginAnswer, type SshLoginRequest } from './ssh-login-wire';
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
    let keyId: string | null = null;
    let ok = false;
    if (credential.kind === 'publickey') {
      const fingerprint = fingerprintOf(Buffer.from(credential.key, 'base64'));
      const key = user ? await prisma.sshPublicKey.findFirst({ where: { userId: user.id, fingerprint } }) : null;
      keyId = key?.id ?? null;
      ok = key !== null;
      Object.assign(base, { fingerprint });
    } else {
      ok = await verifyPassword(credential.password, user?.passwordHash);
    }
    if (!ok || !user || user.disabled || user.role === 'viewer') {
      await throttle.recordFailure(username, clientAddress, now());
      await audit({ actorId: user?.id ?? null, actorRole: user?.role ?? null, outcome: 'denied', detail: base });
      const how = credential.kind === 'publickey' ? 'this key is not on that account\'s profile' : 'wrong username or password';
      return { outcome: 'denied', code: 'UNAUTHENTICATED', message: `Permission denied: ${how}. Add your public key under "SSH keys" in the web app.` };
    }
    await throttle.recordSuccess(username, clientAddress);
    if (keyId) await prisma.sshPublicKey.update({ where: { id: keyId }, data: { lastUsedAt: new Date(now()) } });

    const running = await prisma.labInstance.findMany({
      where: { AND: [usableBy(user.id), { status: 'running' }] },
      include: { deployment: { include: { labConfig: { select: { name: true, title: true } } } } },
      orderBy: { createdAt: 'asc' },
      take: 50,
    });
    const labs = running.map((i) => ({ instanceId: i.id, name: i.deployment.labConfig.name, title: i.deployment.labConfig.title, instance: i }));
    const pick = pickLab(labs, login.lab, user.username);
    if (pick.kind === 'none') {
      await audit({ actorId: user.id, actorRole: user.role, outcome: 'success', detail: { ...base, lab: null, note: 'no lab chosen' } });
      return { outcome: 'accepted', userId: user.id, ticket: null, lab: null, message: pick.message, choices: pick.choices };
    }
    const { ticket } = await issueOwnerTicket(services, user, pick.lab.instance);
    await audit({ actorId: user.id, actorRole: user.role, outcome: 'success', detail: { ...base, instanceId: pick.lab.instanceId } });
    return { outcome: 'accepted', userId: user.id, ticket, lab: pick.choice, message: null, choices: pick.choices };
  }
}
