/** Stops running instances whose lifetime.ttl has passed (lab_instances.expires_at). */
import { stopInstance } from '../steps/stop-instance';
import type { WorkerContext } from '../worker-context';

const BATCH = 100;

export async function expireInstances(ctx: WorkerContext, now = new Date()): Promise<string[]> {
  const expired = await ctx.services.db.prisma.labInstance.findMany({
    where: { status: 'running', expiresAt: { lt: now } },
    select: { id: true },
    take: BATCH,
  });
  const stopped: string[] = [];
  for (const { id } of expired) {
    if ((await stopInstance(ctx, id, 'ttl')) === 'stopped') stopped.push(id);
  }
  return stopped;
}
