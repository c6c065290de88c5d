/**
 * The lab steps with what their outcome tells people (notifications/): a start that reached running tells
 * the lab's students it is ready; a start or deploy that settled the last instance of a class start tells
 * the teacher who began it. The lab step's own work is done first; a notice that cannot be published fails
 * the job, whose retry finds the lab running and publishes again (stored once, by key).
 */
import { reportClassStartWhenSettled } from '../../notifications/class-start-report';
import { notifyLabReady } from '../../notifications/lab-notices';
import type { WorkerContext } from '../worker-context';
import { deploy, type DeployOutcome } from './deploy';
import { startInstance, type StartOutcome } from './start-instance';

export async function startInstanceAndNotify(ctx: WorkerContext, instanceId: string, attempt: number, queuedAt?: number): Promise<StartOutcome> {
  let outcome: StartOutcome;
  try {
    outcome = await startInstance(ctx, instanceId, attempt, queuedAt);
  } catch (e) {
    // The last attempt marks the instance failed before it throws: that may settle the class start.
    await reportSettled(ctx, instanceId).catch((err: unknown) => ctx.log.warn({ err, instanceId }, 'could not report the class start'));
    throw e;
  }
  if (outcome === 'started' || outcome === 'already-running') await notifyLabReady(ctx.services, instanceId);
  await reportSettled(ctx, instanceId);
  return outcome;
}

export async function deployAndNotify(ctx: WorkerContext, deploymentId: string, queuedAt?: number): Promise<DeployOutcome> {
  const outcome = await deploy(ctx, deploymentId, queuedAt);
  if (outcome === 'failed') await reportClassStartWhenSettled(ctx.services, deploymentId);
  return outcome;
}

async function reportSettled(ctx: WorkerContext, instanceId: string): Promise<void> {
  const instance = await ctx.services.db.prisma.labInstance.findUnique({ where: { id: instanceId }, select: { deploymentId: true } });
  if (instance) await reportClassStartWhenSettled(ctx.services, instance.deploymentId);
}
