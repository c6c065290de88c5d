/**
 * Notices what happens to running labs behind the platform's back: a node that stops reporting, a container
 * that starts crash-looping, a Pod evicted or deleted by hand. Each running instance is asked of the runtime
 * (`status`), and its row follows:
 * - still running and well: a problem recorded earlier is cleared;
 * - failed (node silent, crash loop): the row stays running, since the lab may come back by itself and
 *   its storage is still its own, and its reason says what is wrong (the lab card shows it);
 * - stopped or absent (the Pod is gone): the instance is stopped as any stop does it (what is left of it
 *   removed, sessions closed), its reason saying what happened, so the student can start it again on the
 *   same storage.
 * An unreachable runtime leaves every row as it is: nothing is known then.
 */
import { Prisma } from '../../generated/prisma/client';
import { handleOf } from '../../runtime/runtime-handle';
import { stopInstance } from '../steps/stop-instance';
import type { WorkerContext } from '../worker-context';

const BATCH = 200;

export interface Watched {
  instanceId: string;
  /** What was written: a problem, the problem cleared, or the instance stopped. */
  change: 'problem' | 'cleared' | 'stopped';
  reason: string | null;
}

export async function watchRunningInstances(ctx: WorkerContext): Promise<Watched[]> {
  const { prisma } = ctx.services.db;
  const running = await prisma.labInstance.findMany({
    where: { status: 'running', runtimeHandle: { not: Prisma.DbNull } },
    select: { id: true, runtimeHandle: true, statusReason: true },
    orderBy: { startedAt: 'asc' },
    take: BATCH,
  });
  const changes: Watched[] = [];
  for (const row of running) {
    const now = await ctx.services.runtime.status(handleOf(row));
    const where = { id: row.id, status: 'running' as const };
    if (now.phase === 'running' || now.phase === 'pending') {
      if (row.statusReason === null) continue;
      const done = await prisma.labInstance.updateMany({ where: { ...where, statusReason: row.statusReason }, data: { statusReason: null } });
      if (done.count > 0) changes.push({ instanceId: row.id, change: 'cleared', reason: null });
    } else if (now.phase === 'failed') {
      const reason = (now.reason ?? 'the lab is not working').slice(0, 500);
      if (reason === row.statusReason) continue;
      const done = await prisma.labInstance.updateMany({ where, data: { statusReason: reason } });
      if (done.count > 0) changes.push({ instanceId: row.id, change: 'problem', reason });
    } else {
      // Claimed first: a stop already under way (TTL, a teacher) made the runtime say so and keeps its reason.
      const claimed = await prisma.labInstance.updateMany({ where, data: { status: 'stopping' } });
      if (claimed.count === 0 || (await stopInstance(ctx, row.id, 'gone')) !== 'stopped') continue;
      const reason = `stopped: ${now.reason ?? 'the lab is gone from the runtime'}`.slice(0, 500);
      await prisma.labInstance.updateMany({ where: { id: row.id, status: 'stopped' }, data: { statusReason: reason } });
      changes.push({ instanceId: row.id, change: 'stopped', reason });
    }
  }
  for (const c of changes) ctx.log.warn({ instanceId: c.instanceId, change: c.change, reason: c.reason }, 'a running lab changed behind the platform');
  return changes;
}
