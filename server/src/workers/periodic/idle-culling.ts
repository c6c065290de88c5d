/**
 * Stops running instances nobody has used for the lab's lifetime.idleTimeout. Activity is the latest of:
 * the start, lab_instances.last_activity_at, and the input and output times of every terminal session
 * of the instance in the session store (output counts, so a long build the student is watching is not
 * idle). Newer session activity is copied to last_activity_at, so it survives the session record.
 */
import { parseDuration } from '../../labs/lab-config';
import { stopInstance } from '../steps/stop-instance';
import type { WorkerContext } from '../worker-context';

export async function cullIdleInstances(ctx: WorkerContext, now = Date.now()): Promise<string[]> {
  const { prisma } = ctx.services.db;
  const running = await prisma.labInstance.findMany({
    where: { status: 'running' },
    select: { id: true, startedAt: true, lastActivityAt: true, deployment: { select: { labConfig: true } } },
  });
  const culled: string[] = [];
  for (const instance of running) {
    const sessions = await ctx.services.sessionStore.list({ labInstanceId: instance.id });
    const sessionActivity = Math.max(0, ...sessions.flatMap((s) => [s.createdAt, s.lastInputAt, s.lastOutputAt]));
    const recorded = Math.max(instance.startedAt?.getTime() ?? 0, instance.lastActivityAt?.getTime() ?? 0);
    if (sessionActivity > recorded) {
      await prisma.labInstance.updateMany({ where: { id: instance.id, status: 'running' }, data: { lastActivityAt: new Date(sessionActivity) } });
    }
    let idleTimeoutMs: number;
    try {
      idleTimeoutMs = parseDuration((await ctx.configs.get(instance.deployment.labConfig)).spec.lifetime.idleTimeout);
    } catch (err) {
      ctx.log.warn({ err, instanceId: instance.id }, 'idle culling skipped: lab config unavailable');
      continue;
    }
    if (now - Math.max(sessionActivity, recorded) <= idleTimeoutMs) continue;
    if ((await stopInstance(ctx, instance.id, 'idle')) === 'stopped') culled.push(instance.id);
  }
  return culled;
}
