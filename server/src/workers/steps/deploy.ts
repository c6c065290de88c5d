/**
 * lab.deploy: make a deployment's instances exist and ask for each to be started. The API normally writes
 * the instance rows itself; when it did not (a deployment created with no explicit targets), they are
 * made here from the course per the lab's mode: one per student, one per group, or one shared. The rows
 * are created under a row lock on the deployment, so a redelivered job never doubles them. Each start is
 * its own lab.start job, so a large class starts in parallel across workers and a crash loses one start,
 * not the rest. The lab config is validated first: a broken config fails the deployment at once.
 */
import { isAppError } from '@autolabs/common/errors/app-error';
import type { LabDeployment, PrismaClient } from '../../generated/prisma/client';
import { labStartFailures } from '../../ops/lab-metrics';
import type { StartInstanceJob } from '../jobs';
import type { WorkerContext } from '../worker-context';

export type DeployOutcome = 'dispatched' | 'skipped' | 'failed';

/** `queuedAt`: when the API accepted the start, passed on to each lab.start (workers/jobs.ts). */
export async function deploy(ctx: WorkerContext, deploymentId: string, queuedAt?: number): Promise<DeployOutcome> {
  const { prisma } = ctx.services.db;
  const deployment = await prisma.labDeployment.findUnique({ where: { id: deploymentId }, include: { labConfig: true } });
  if (!deployment) {
    ctx.log.warn({ deploymentId }, 'lab.deploy for a deployment that does not exist; dropped');
    return 'skipped';
  }
  if (deployment.status !== 'pending' && deployment.status !== 'running') return 'skipped';

  try {
    await ctx.configs.get(deployment.labConfig);
  } catch (e) {
    if (!isAppError(e) || !['LAB_CONFIG_INVALID', 'NOT_FOUND'].includes(e.code)) throw e;
    const [failed] = await prisma.$transaction([
      prisma.labInstance.updateMany({ where: { deploymentId, status: 'pending' }, data: { status: 'failed', statusReason: e.message } }),
      prisma.labDeployment.update({ where: { id: deploymentId }, data: { status: 'failed' } }),
    ]);
    labStartFailures.inc({ reason: e.code }, failed.count);
    ctx.log.error({ err: e, deploymentId }, 'deployment failed: its lab config cannot be used');
    return 'failed';
  }

  await ensureInstances(prisma, deployment);
  const toStart = await prisma.labInstance.findMany({ where: { deploymentId, status: { in: ['pending', 'starting', 'failed'] } }, select: { id: true } });
  for (const { id } of toStart) await ctx.services.queue.publish('lab.start', { instanceId: id, queuedAt } satisfies StartInstanceJob);
  ctx.log.info({ deploymentId, instances: toStart.length }, 'deployment dispatched');
  return 'dispatched';
}

async function ensureInstances(prisma: PrismaClient, deployment: LabDeployment): Promise<void> {
  if (!deployment.courseId) return;
  const courseId = deployment.courseId;
  await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM lab_deployments WHERE id = ${deployment.id}::uuid FOR UPDATE`;
    if ((await tx.labInstance.count({ where: { deploymentId: deployment.id } })) > 0) return;
    let rows: { ownerUserId: string | null; groupId: string | null }[];
    if (deployment.mode === 'per_student') {
      const students = await tx.courseMember.findMany({ where: { courseId, role: 'student' }, select: { userId: true } });
      rows = students.map((s) => ({ ownerUserId: s.userId, groupId: null }));
    } else if (deployment.mode === 'per_group') {
      const groups = await tx.studentGroup.findMany({ where: { courseId }, select: { id: true } });
      rows = groups.map((g) => ({ ownerUserId: null, groupId: g.id }));
    } else {
      rows = [{ ownerUserId: null, groupId: null }];
    }
    if (rows.length > 0) await tx.labInstance.createMany({ data: rows.map((r) => ({ ...r, deploymentId: deployment.id })) });
  });
}
