/**
 * The running labs a user may log in to over SSH, oldest first, with the names `user+<lab>` is matched
 * against: what the front door picks from (ssh-login-routes.ts) and what the lab page's one-time password
 * names (trpc/routers/ssh-passwords.ts), read the same way so both agree on the login.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { usableBy, type InstanceWithDeployment } from '../trpc/access';
import type { RunningLab } from './ssh-lab-choice';

/** Bounds one login's work; nobody runs more labs at once. */
const MAX_LABS = 50;

export type RunningLabOf = RunningLab & { instance: InstanceWithDeployment };

export async function runningLabsOf(prisma: PrismaClient, userId: string): Promise<RunningLabOf[]> {
  const running = await prisma.labInstance.findMany({
    where: { AND: [usableBy(userId), { status: 'running' }] },
    include: { deployment: { include: { labConfig: { select: { name: true, title: true } } } } },
    orderBy: { createdAt: 'asc' },
    take: MAX_LABS,
  });
  return running.map((i) => ({ instanceId: i.id, name: i.deployment.labConfig.name, title: i.deployment.labConfig.title, instance: i }));
}
