/**
 * Creating deployments and asking workers to act on them. Rows are written first (status pending /
 * stopping) in one transaction, then the job is published; workers make the world match the rows. If
 * the queue refuses the job, the rows are marked failed with the reason, so nothing waits for a job
 * that will never come, and the caller gets SERVICE_UNAVAILABLE.
 */
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import type { LabMode, Prisma } from '../generated/prisma/client';
import type { LabResources } from '../labs/lab-resources';
import { labStartFailures } from '../ops/lab-metrics';
import type { DeployJob, StartInstanceJob, StopJob } from '../workers/jobs';
import type { ApiServices } from './api-services';
import { LIVE_STATUSES, assertInstanceQuota, lockUsers } from './quota';

export interface DeploymentTarget {
  ownerUserId?: string;
  groupId?: string;
}

export interface NewDeployment {
  labConfigId: string;
  courseId: string | null;
  assignmentId: string | null;
  mode: LabMode;
  createdById: string;
  targets: DeploymentTarget[];
  /** What each instance reserves (labResources of the lab config); recorded on it for quotas. */
  resources: LabResources;
  /** Input field named in a QUOTA_EXCEEDED error. */
  quotaField: string;
}

export async function createDeployment(services: ApiServices, d: NewDeployment) {
  const owners = d.targets.flatMap((t) => (t.ownerUserId ? [t.ownerUserId] : []));
  const deployment = await services.db.prisma.$transaction(async (tx) => {
    await lockUsers(tx, owners);
    await assertInstanceQuota(tx, owners, d.courseId, d.resources, d.quotaField);
    return insertDeployment(tx, d);
  });
  await publishDeployment(services, deployment.id);
  return deployment;
}

/** The rows only: for callers that already hold the owners' locks and checked their quota. */
export function insertDeployment(tx: Prisma.TransactionClient, d: NewDeployment) {
  return tx.labDeployment.create({
    data: {
      labConfigId: d.labConfigId,
      courseId: d.courseId,
      assignmentId: d.assignmentId,
      mode: d.mode,
      createdById: d.createdById,
      instances: {
        create: d.targets.map((t) => ({ ownerUserId: t.ownerUserId ?? null, groupId: t.groupId ?? null, ...d.resources })),
      },
    },
    include: { instances: { include: { deployment: true } } },
  });
}

/** Hands a committed deployment to the workers (lab.deploy). */
export async function publishDeployment(services: ApiServices, deploymentId: string): Promise<void> {
  const prisma = services.db.prisma;
  await publishOrFail(services, 'lab.deploy', { deploymentId, queuedAt: Date.now() } satisfies DeployJob, async (reason) => {
    await prisma.labDeployment.update({ where: { id: deploymentId }, data: { status: 'failed' } });
    const failed = await prisma.labInstance.updateMany({ where: { deploymentId }, data: { status: 'failed', statusReason: reason } });
    labStartFailures.inc({ reason: 'SERVICE_UNAVAILABLE' }, failed.count);
  });
}

/** Marks live instances stopping and asks workers to stop them. Instances already down are left as they are. */
export async function stopInstances(services: ApiServices, where: Prisma.LabInstanceWhereInput, reason: StopJob['reason']): Promise<string[]> {
  const prisma = services.db.prisma;
  const live = await prisma.labInstance.findMany({ where: { ...where, status: { in: LIVE_STATUSES.filter((s) => s !== 'stopping') } }, select: { id: true, status: true } });
  const ids: string[] = [];
  for (const { id, status } of live) {
    const changed = await prisma.labInstance.updateMany({ where: { id, status: { in: LIVE_STATUSES } }, data: { status: 'stopping' } });
    if (changed.count === 0) continue;
    const job: StopJob = { instanceId: id, reason };
    // Without the job nobody would finish the stop: put the instance back as it was.
    await publishOrFail(services, 'lab.stop', job, async () => {
      await prisma.labInstance.update({ where: { id }, data: { status } });
    });
    ids.push(id);
  }
  return ids;
}

/** Asks a worker to start a stopped instance again (same storage). */
export async function restartInstance(services: ApiServices, instanceId: string): Promise<void> {
  await publishOrFail(services, 'lab.start', { instanceId, queuedAt: Date.now() } satisfies StartInstanceJob, async (reason) => {
    await services.db.prisma.labInstance.update({ where: { id: instanceId }, data: { status: 'failed', statusReason: reason } });
    labStartFailures.inc({ reason: 'SERVICE_UNAVAILABLE' });
  });
}

async function publishOrFail(
  services: ApiServices,
  queue: 'lab.deploy' | 'lab.start' | 'lab.stop',
  payload: unknown,
  onFailure: (reason: string) => Promise<void>,
): Promise<void> {
  try {
    await services.queue.publish(queue, payload);
  } catch (e) {
    const reason = 'the job queue is unavailable; try again';
    await onFailure(reason);
    if (isAppError(e) && e.code === 'SERVICE_UNAVAILABLE') throw e;
    throw new AppError('SERVICE_UNAVAILABLE', reason, { cause: e });
  }
}
