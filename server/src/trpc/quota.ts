/**
 * Instance quotas. The limit for a user is the most specific resource_quotas row: their own (scope
 * user), else the course's (scope course, for labs of that course), else the global one; no row means
 * no limit. Live instances (pending, starting, running, stopping) count against it, whatever course
 * they belong to. Callers hold `lockUsers` in the same transaction, so two starts cannot both squeeze
 * under the limit.
 */
import { AppError } from '../errors/app-error';
import type { InstanceStatus, Prisma } from '../generated/prisma/client';

export const LIVE_STATUSES: InstanceStatus[] = ['pending', 'starting', 'running', 'stopping'];

type Tx = Prisma.TransactionClient;

export async function lockUsers(tx: Tx, userIds: string[]): Promise<void> {
  for (const id of [...new Set(userIds)].sort()) {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `instances-of:${id}`);
  }
}

export async function maxInstancesFor(tx: Tx, userId: string, courseId: string | null): Promise<number | null> {
  const rows = await tx.resourceQuota.findMany({
    where: { OR: [{ scope: 'user', userId }, ...(courseId ? [{ scope: 'course' as const, courseId }] : []), { scope: 'global' }] },
  });
  const pick = rows.find((r) => r.scope === 'user') ?? rows.find((r) => r.scope === 'course') ?? rows.find((r) => r.scope === 'global');
  return pick?.maxInstances ?? null;
}

/** Throws QUOTA_EXCEEDED naming the first user who would go over their limit with one more instance. */
export async function assertInstanceQuota(tx: Tx, userIds: string[], courseId: string | null, field: string): Promise<void> {
  for (const userId of userIds) {
    const max = await maxInstancesFor(tx, userId, courseId);
    if (max === null) continue;
    const live = await tx.labInstance.count({ where: { ownerUserId: userId, status: { in: LIVE_STATUSES } } });
    if (live + 1 > max) {
      throw new AppError('QUOTA_EXCEEDED', `instance limit reached: ${live} of ${max} lab instances are running; stop one first`, {
        field,
        detail: { userId, live, max },
      });
    }
  }
}
