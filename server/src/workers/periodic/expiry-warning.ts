/**
 * Warns a running lab's students EXPIRY_WARNING_MS before its expiresAt (issue 10 point 5), once per expiry
 * time: the warning is published, then the instance is marked with the expiresAt it was about
 * (expiry_warned_for). A lab given more time is warned again before its new end. Replicas racing, or a crash
 * between publish and mark, publish twice under one key; the warning is stored once.
 */
import { notifyLabExpiring } from '../../notifications/lab-notices';
import type { WorkerContext } from '../worker-context';

export const EXPIRY_WARNING_MS = 10 * 60_000;
const BATCH = 100;

/** Returns the instances warned on this run. `now`: the clock (tests inject theirs). */
export async function warnExpiringInstances(ctx: WorkerContext, now = new Date()): Promise<string[]> {
  const { prisma } = ctx.services.db;
  const due = await prisma.labInstance.findMany({
    where: {
      status: 'running',
      expiresAt: { gt: now, lte: new Date(now.getTime() + EXPIRY_WARNING_MS) },
      // Not yet warned about this expiry time (warned about another, before it moved).
      OR: [{ expiryWarnedFor: null }, { expiryWarnedFor: { lt: prisma.labInstance.fields.expiresAt } }, { expiryWarnedFor: { gt: prisma.labInstance.fields.expiresAt } }],
    },
    select: { id: true, expiresAt: true },
    orderBy: { expiresAt: 'asc' },
    take: BATCH,
  });
  const warned: string[] = [];
  for (const { id, expiresAt } of due) {
    if (!expiresAt) continue;
    await notifyLabExpiring(ctx.services, id, expiresAt, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));
    await prisma.labInstance.updateMany({ where: { id, expiresAt }, data: { expiryWarnedFor: expiresAt } });
    warned.push(id);
  }
  return warned;
}
