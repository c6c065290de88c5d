/**
 * lab.start: bring one instance to `running`. Safe to run any number of times: a running instance whose
 * runtime agrees is left alone ("already running" is an outcome), and only the delivery that moves the
 * row from `starting` to `running` records the start, so a redelivered job never starts a lab twice.
 * A stop that lands while the runtime is starting wins: the fresh sandbox is stopped again. A stopped
 * instance may be started again (same storage); its deployment then counts as running again.
 */
import { isAppError } from '@autolabs/common/errors/app-error';
import type { Prisma } from '../../generated/prisma/client';
import { parseDuration } from '../../labs/lab-config';
import type { ProgressEvent } from '../../runtime/lab-runtime';
import { labStartDuration, labStartFailures } from '../../ops/lab-metrics';
import { auditInstance } from '../audit';
import { ownerKeyOf, slug } from '../../runtime/slugs';
import type { WorkerContext } from '../worker-context';
import { handleOf } from '../../runtime/runtime-handle';

export type StartOutcome = 'started' | 'already-running' | 'skipped' | 'failed';

/** Problems a retry cannot fix: the instance is marked failed at once. */
const PERMANENT = new Set(['LAB_CONFIG_INVALID', 'NOT_FOUND', 'BAD_INPUT', 'QUOTA_EXCEEDED']);

/** Shown on the lab card while the lab starts (image pulls can take minutes): at most one write a second. */
const PROGRESS_EVERY_MS = 1000;

function startProgress(ctx: WorkerContext, instanceId: string): (e: ProgressEvent) => void {
  let last = 0;
  return (e) => {
    ctx.log.debug({ instanceId, progress: e.message }, 'lab start progress');
    if (e.at - last < PROGRESS_EVERY_MS) return;
    last = e.at;
    void ctx.services.db.prisma.labInstance
      .updateMany({ where: { id: instanceId, status: 'starting' }, data: { statusReason: e.message.slice(0, 500) } })
      .catch((err: unknown) => ctx.log.warn({ err, instanceId }, 'could not record start progress'));
  };
}

/** The public keys of the people the instance belongs to: its owner, or every member of its group. */
async function authorizedKeysOf(ctx: WorkerContext, instance: { ownerUserId: string | null; groupId: string | null }): Promise<string[]> {
  const people = instance.ownerUserId ? { userId: instance.ownerUserId } : instance.groupId ? { user: { groupMembers: { some: { groupId: instance.groupId } } } } : null;
  if (!people) return [];
  const keys = await ctx.services.db.prisma.sshPublicKey.findMany({ where: people, select: { publicKey: true }, orderBy: { createdAt: 'asc' } });
  return keys.map((k) => k.publicKey);
}

/**
 * `queuedAt`: when the API accepted the start (workers/jobs.ts); without it, a first start is measured from
 * the instance's creation and a restart is not measured.
 */
export async function startInstance(ctx: WorkerContext, instanceId: string, attempt = 1, queuedAt?: number): Promise<StartOutcome> {
  const { prisma } = ctx.services.db;
  const { runtime } = ctx.services;
  const instance = await prisma.labInstance.findUnique({
    where: { id: instanceId },
    include: { deployment: { include: { labConfig: true, course: { select: { code: true } } } }, owner: { select: { username: true } }, group: { select: { name: true } } },
  });
  if (!instance) {
    ctx.log.warn({ instanceId }, 'lab.start for an instance that does not exist; dropped');
    return 'skipped';
  }
  // A deployment being stopped wins over a late start; a stopped one may get an instance restarted.
  if (instance.status === 'archived' || instance.status === 'stopping' || instance.deployment.status === 'stopping') return 'skipped';
  if (instance.status === 'running' && instance.runtimeHandle) {
    const now = await runtime.status(handleOf(instance));
    if (now.phase === 'running') return 'already-running';
  }
  const claimed = await prisma.labInstance.updateMany({
    where: { id: instanceId, status: { in: ['pending', 'starting', 'failed', 'stopped', 'running'] } },
    data: { status: 'starting', statusReason: null },
  });
  if (claimed.count === 0) return 'skipped';

  try {
    const config = await ctx.configs.get(instance.deployment.labConfig);
    const hasSsh = config.spec.containers.some((c) => c.ssh);
    const handle = await runtime.start(
      {
        instanceId,
        ownerKey: ownerKeyOf(instance),
        labKey: instance.deployment.labConfig.name,
        courseKey: instance.deployment.course ? slug(instance.deployment.course.code) : undefined,
        config,
        ...(hasSsh ? { sshAuthorizedKeys: await authorizedKeysOf(ctx, instance) } : {}),
      },
      startProgress(ctx, instanceId),
    );
    // Where students reach the lab's own sshd (a NodePort on Kubernetes); the lab page shows it.
    const ssh = hasSsh ? ((await runtime.status(handle)).sshEndpoint ?? null) : null;
    const startedAt = new Date();
    const done = await prisma.$transaction(async (tx) => {
      const changed = await tx.labInstance.updateMany({
        where: { id: instanceId, status: 'starting' },
        data: {
          status: 'running',
          runtimeHandle: handle as unknown as Prisma.InputJsonValue,
          startedAt,
          lastActivityAt: startedAt,
          expiresAt: new Date(startedAt.getTime() + parseDuration(config.spec.lifetime.ttl)),
          stoppedAt: null,
          statusReason: null,
          sshHost: ssh?.host ?? null,
          sshPort: ssh?.port ?? null,
        },
      });
      if (changed.count > 0) {
        await tx.labDeployment.updateMany({
          where: { id: instance.deploymentId, status: { in: ['pending', 'stopped'] } },
          data: { status: 'running', stoppedAt: null },
        });
      }
      return changed.count;
    });
    if (done === 0) {
      // A duplicate delivery of this job may have finished first: the instance is running on this very
      // sandbox, which must be left alone. Only a stop (or archive) that came in while we were starting
      // means the sandbox must not be left behind.
      const now = await prisma.labInstance.findUnique({ where: { id: instanceId }, select: { status: true } });
      if (now?.status === 'running') return 'already-running';
      await runtime.stop(handle);
      return 'skipped';
    }
    const since = queuedAt ?? (instance.startedAt === null ? instance.createdAt.getTime() : null);
    if (since !== null) labStartDuration.observe(Math.max(0, startedAt.getTime() - since) / 1000);
    await auditInstance(ctx, 'lab.instance.start', instanceId, 'success', { attempt });
    ctx.log.info({ instanceId, attempt }, 'lab instance running');
    return 'started';
  } catch (e) {
    const permanent = isAppError(e) && PERMANENT.has(e.code);
    if (!permanent && attempt < ctx.maxAttempts) throw e;
    const reason = isAppError(e) ? e.message : 'the lab could not be started';
    ctx.log.error({ err: e, instanceId, attempt }, 'lab instance failed to start');
    const failed = await prisma.labInstance.updateMany({ where: { id: instanceId, status: 'starting' }, data: { status: 'failed', statusReason: reason } });
    labStartFailures.inc({ reason: isAppError(e) ? e.code : 'INTERNAL' }, failed.count);
    await auditInstance(ctx, 'lab.instance.start', instanceId, 'error', { reason, attempt });
    if (!permanent) throw e;
    return 'failed';
  }
}
