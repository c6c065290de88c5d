/**
 * Resource quotas. The quota for a user is the most specific resource_quotas row: their own (scope
 * user), else the course's (scope course, for labs of that course), else the global one; no row means
 * no limit. Live instances (pending, starting, running, stopping) count against it, whatever course
 * they belong to: their number, and the CPU and memory each reserves (its lab's limits, recorded on the
 * instance when it was created). Callers hold `lockUsers` in the same transaction, so two starts cannot
 * both squeeze under the limit.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import type { InstanceStatus, Prisma, ResourceQuota } from '../generated/prisma/client';
import type { LabResources } from '../labs/lab-resources';

export const LIVE_STATUSES: InstanceStatus[] = ['pending', 'starting', 'running', 'stopping'];

type Tx = Prisma.TransactionClient;

export async function lockUsers(tx: Tx, userIds: string[]): Promise<void> {
  for (const id of [...new Set(userIds)].sort()) {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `instances-of:${id}`);
  }
}

export async function quotaFor(tx: Tx, userId: string, courseId: string | null): Promise<ResourceQuota | null> {
  const rows = await tx.resourceQuota.findMany({
    where: { OR: [{ scope: 'user', userId }, ...(courseId ? [{ scope: 'course' as const, courseId }] : []), { scope: 'global' }] },
  });
  return rows.find((r) => r.scope === 'user') ?? rows.find((r) => r.scope === 'course') ?? rows.find((r) => r.scope === 'global') ?? null;
}

/** Why one more instance would take a user over their quota: `message` for an error, `reason` to list beside their name. */
export interface QuotaRefusal {
  message: string;
  reason: string;
  detail: Record<string, unknown>;
}

/** The first limit (instances, CPU millicores, memory MiB) one more instance reserving `adding` would break, or null. */
export async function quotaRefusal(tx: Tx, userId: string, courseId: string | null, adding: LabResources): Promise<QuotaRefusal | null> {
  const quota = await quotaFor(tx, userId, courseId);
  if (quota === null) return null;
  const live = await tx.labInstance.aggregate({
    where: { ownerUserId: userId, status: { in: LIVE_STATUSES } },
    _count: { _all: true },
    _sum: { cpuMillis: true, memoryMi: true },
  });
  const count = live._count._all;
  const cpu = live._sum.cpuMillis ?? 0;
  const memory = live._sum.memoryMi ?? 0;
  if (count + 1 > quota.maxInstances) {
    return {
      message: `instance limit reached: ${count} of ${quota.maxInstances} lab instances are running`,
      reason: `at the limit of ${quota.maxInstances} running lab${quota.maxInstances === 1 ? '' : 's'}`,
      detail: { live: count, max: quota.maxInstances },
    };
  }
  if (cpu + adding.cpuMillis > quota.maxCpuMillis) {
    return {
      message: `CPU limit reached: this lab needs ${adding.cpuMillis}m and ${cpu}m of ${quota.maxCpuMillis}m are in use`,
      reason: `not enough CPU left: this lab needs ${adding.cpuMillis}m, ${cpu}m of ${quota.maxCpuMillis}m in use`,
      detail: { resource: 'cpu', usedMillis: cpu, needMillis: adding.cpuMillis, maxMillis: quota.maxCpuMillis },
    };
  }
  if (memory + adding.memoryMi > quota.maxMemoryMi) {
    return {
      message: `memory limit reached: this lab needs ${adding.memoryMi}Mi and ${memory}Mi of ${quota.maxMemoryMi}Mi are in use`,
      reason: `not enough memory left: this lab needs ${adding.memoryMi}Mi, ${memory}Mi of ${quota.maxMemoryMi}Mi in use`,
      detail: { resource: 'memory', usedMi: memory, needMi: adding.memoryMi, maxMi: quota.maxMemoryMi },
    };
  }
  return null;
}

/** Throws QUOTA_EXCEEDED naming the first user who would go over a limit with one more instance that reserves `adding`. */
export async function assertInstanceQuota(tx: Tx, userIds: string[], courseId: string | null, adding: LabResources, field: string): Promise<void> {
  for (const userId of userIds) {
    const refusal = await quotaRefusal(tx, userId, courseId, adding);
    if (refusal) throw new AppError('QUOTA_EXCEEDED', `${refusal.message}; stop a running lab first`, { field, detail: { userId, ...refusal.detail } });
  }
}
