/**
 * lab.stop: end an instance's processes and keep its storage. Idempotent: a stopped or archived
 * instance is left alone, and only the delivery that moves the row to `stopped` records the stop.
 * Live terminal sessions are told to close through the session-control channel, so browsers see a
 * clean close instead of a dead socket. When the last live instance of a deployment stops, the
 * deployment is stopped too.
 */
import type { Prisma } from '../../generated/prisma/client';
import { SESSION_CONTROL_CHANNEL } from '@autolabs/common/session-store/session-store';
import type { StopJob } from '../jobs';
import { auditInstance } from '../audit';
import type { WorkerContext } from '../worker-context';
import { handleOf } from '../../runtime/runtime-handle';

export type StopOutcome = 'stopped' | 'already-stopped' | 'skipped';

export async function stopInstance(ctx: WorkerContext, instanceId: string, reason: StopJob['reason']): Promise<StopOutcome> {
  const { prisma } = ctx.services.db;
  const instance = await prisma.labInstance.findUnique({ where: { id: instanceId } });
  if (!instance) {
    ctx.log.warn({ instanceId }, 'lab.stop for an instance that does not exist; dropped');
    return 'skipped';
  }
  if (instance.status === 'stopped' || instance.status === 'archived') return 'already-stopped';
  await prisma.labInstance.updateMany({ where: { id: instanceId, status: { notIn: ['stopped', 'archived'] } }, data: { status: 'stopping' } });

  if (instance.runtimeHandle) await ctx.services.runtime.stop(handleOf(instance));
  await closeSessions(ctx, instanceId, reason);

  // One transaction, so whoever sees the instance stopped also sees its deployment's resulting state.
  const done = await prisma.$transaction(async (tx) => {
    const changed = await tx.labInstance.updateMany({
      where: { id: instanceId, status: 'stopping' },
      data: { status: 'stopped', stoppedAt: new Date(), statusReason: `stopped: ${reason}` },
    });
    if (changed.count > 0) await finishDeploymentIfIdle(tx, instance.deploymentId);
    return changed.count;
  });
  if (done === 0) return 'already-stopped';
  await auditInstance(ctx, 'lab.instance.stop', instanceId, 'success', { reason });
  ctx.log.info({ instanceId, reason }, 'lab instance stopped');
  return 'stopped';
}

async function closeSessions(ctx: WorkerContext, instanceId: string, reason: StopJob['reason']): Promise<void> {
  const sessions = await ctx.services.sessionStore.list({ labInstanceId: instanceId });
  for (const s of sessions) {
    if (s.state === 'ended') continue;
    await ctx.services.sessionStore.publish(SESSION_CONTROL_CHANNEL, { type: 'kill', sessionId: s.id, by: `system:${reason}` });
  }
}

async function finishDeploymentIfIdle(tx: Prisma.TransactionClient, deploymentId: string): Promise<void> {
  const live = await tx.labInstance.count({ where: { deploymentId, status: { in: ['pending', 'starting', 'running', 'stopping'] } } });
  if (live > 0) return;
  await tx.labDeployment.updateMany({
    where: { id: deploymentId, status: { in: ['pending', 'running', 'stopping'] } },
    data: { status: 'stopped', stoppedAt: new Date() },
  });
}
