/**
 * Archives instances that have been stopped (or failed) for longer than the retention period, so their
 * storage does not pile up; the archive stays in the volumes bucket.
 */
import { archiveInstance } from '../steps/archive-instance';
import type { WorkerContext } from '../worker-context';

const BATCH = 20;

export async function archiveStoppedInstances(ctx: WorkerContext, now = Date.now()): Promise<string[]> {
  const cutoff = new Date(now - ctx.archiveAfterMs);
  const due = await ctx.services.db.prisma.labInstance.findMany({
    where: {
      OR: [
        { status: 'stopped', stoppedAt: { lt: cutoff } },
        { status: 'failed', createdAt: { lt: cutoff } },
      ],
    },
    select: { id: true },
    take: BATCH,
  });
  const archived: string[] = [];
  for (const { id } of due) {
    if ((await archiveInstance(ctx, id)) === 'archived') archived.push(id);
  }
  return archived;
}
