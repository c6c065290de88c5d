/** Audit entries for what workers do to instances; the actor is the system, so actorId stays null. */
import type { Prisma } from '../generated/prisma/client';
import { recordAudit } from '../audit/audit-log';
import type { WorkerContext } from './worker-context';

export function auditInstance(
  ctx: WorkerContext,
  action: 'lab.instance.start' | 'lab.instance.stop' | 'lab.instance.archive',
  instanceId: string,
  outcome: 'success' | 'error',
  detail?: Prisma.InputJsonValue,
): Promise<void> {
  return recordAudit(ctx.services.db.prisma, ctx.log, {
    actorId: null,
    actorRole: 'system',
    action,
    targetType: 'lab_instance',
    targetId: instanceId,
    outcome,
    detail,
  });
}
