/**
 * Re-issues the jobs that rows say are owed, once when workers start. The in-process queue of an embedded
 * install loses its jobs when the process dies, so after a restart a deployment could sit in `pending` or
 * an instance in `starting` / `stopping` forever. With RabbitMQ the jobs survive and this only adds
 * duplicates, which the steps absorb (they are idempotent).
 */
import type { WorkerContext } from '../worker-context';

export interface Reconciled {
  deployments: number;
  starts: number;
  stops: number;
}

export async function reconcileOwedJobs(ctx: WorkerContext): Promise<Reconciled> {
  const { prisma } = ctx.services.db;
  const { queue } = ctx.services;
  const deployments = await prisma.labDeployment.findMany({ where: { status: 'pending' }, select: { id: true } });
  for (const { id } of deployments) await queue.publish('lab.deploy', { deploymentId: id });
  const starting = await prisma.labInstance.findMany({
    where: { status: { in: ['pending', 'starting'] }, deployment: { status: 'running' } },
    select: { id: true },
  });
  for (const { id } of starting) await queue.publish('lab.start', { instanceId: id });
  const stopping = await prisma.labInstance.findMany({ where: { status: 'stopping' }, select: { id: true } });
  for (const { id } of stopping) await queue.publish('lab.stop', { instanceId: id, reason: 'deployment' });
  const result = { deployments: deployments.length, starts: starting.length, stops: stopping.length };
  if (result.deployments + result.starts + result.stops > 0) ctx.log.info(result, 're-issued jobs owed by the database');
  return result;
}
