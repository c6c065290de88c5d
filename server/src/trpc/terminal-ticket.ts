/**
 * Issuing an owner's terminal ticket for a running instance, in one place for both doors: the browser
 * (sessions.terminalTicket) and the gateway's SSH front door (ssh/ssh-login-routes.ts). Both get the same
 * session id, so a browser tab and an SSH login of one student share one live shell.
 * The caller has already decided that `user` may use `instance`.
 */
import type { User } from '../generated/prisma/client';
import { handleOf } from '../runtime/runtime-handle';
import { mintTicket } from '@autolabs/common/tickets/ticket';
import type { InstanceWithDeployment } from './access';
import type { ApiServices } from './api-services';
import { fail } from './errors';
import { loadLabConfig } from './lab-store';

/**
 * The terminal session of one person in one instance. Deterministic so a reconnect (new ticket) reaches
 * the same session: the instance id alone for a student's own lab, plus the user for shared/group labs.
 */
export function terminalSessionId(instance: Pick<InstanceWithDeployment, 'id' | 'ownerUserId'>, userId: string): string {
  return instance.ownerUserId === userId ? `term-${instance.id}` : `term-${instance.id}-${userId}`;
}

export async function issueOwnerTicket(
  services: ApiServices,
  user: Pick<User, 'id' | 'displayName' | 'role'>,
  instance: InstanceWithDeployment,
): Promise<{ ticket: string; sessionId: string }> {
  if (instance.status !== 'running' || instance.runtimeHandle === null) {
    fail('CONFLICT', `the lab is ${instance.status}; wait until it is running`, { field: 'instanceId' });
  }
  const key = services.ticketKeys.privateKey;
  if (!key) fail('SERVICE_UNAVAILABLE', 'this server cannot issue terminal tickets (TICKET_PRIVATE_KEY is not set)');
  const prisma = services.db.prisma;
  const lab = await prisma.labConfig.findUniqueOrThrow({ where: { id: instance.deployment.labConfigId } });
  const config = await loadLabConfig(services, lab);
  const target = services.runtime.terminalTarget(handleOf(instance), config);
  const sessionId = terminalSessionId(instance, user.id);
  const recording = config.spec.recording;
  await prisma.terminalSession.upsert({
    where: { id: sessionId },
    create: { id: sessionId, instanceId: instance.id, userId: user.id, recording },
    update: { endedAt: null, recording },
  });
  const ticket = await mintTicket(
    key,
    {
      sub: user.id,
      name: user.displayName,
      role: user.role,
      sid: sessionId,
      labInstanceId: instance.id,
      courseId: instance.deployment.courseId,
      ownerId: user.id,
      mode: 'owner',
      target,
      recording,
    },
    services.env.TICKET_TTL_SECONDS,
  );
  return { ticket, sessionId };
}
