/**
 * What a student is told about their lab: it is ready (the start step brought it to running), and it is
 * about to end (workers/periodic/expiry-warning.ts). Both link to the lab page and are keyed by the run
 * they concern (its start, its expiry time), so a repeat of the same event is stored once while a lab
 * started again, or given more time, is told again.
 */
import type { CoreServices } from '../platform/core-services';
import { publishNotification } from './notification-message';
import { studentsOfInstance } from './recipients';

export type NoticeServices = Pick<CoreServices, 'db' | 'queue'>;

const instanceWithLab = { deployment: { select: { courseId: true, labConfig: { select: { title: true } }, course: { select: { code: true } } } } } as const;

/** Tells the instance's students it is running; nothing when it is not (a stop came first). */
export async function notifyLabReady(services: NoticeServices, instanceId: string): Promise<boolean> {
  const { prisma } = services.db;
  const instance = await prisma.labInstance.findUnique({ where: { id: instanceId }, include: instanceWithLab });
  if (!instance || instance.status !== 'running' || !instance.startedAt) return false;
  const course = instance.deployment.course ? ` in ${instance.deployment.course.code}` : '';
  await publishNotification(services.queue, 'student', {
    key: `lab-ready:${instance.id}:${instance.startedAt.getTime()}`,
    kind: 'lab_ready',
    userIds: await studentsOfInstance(prisma, instance),
    title: `Your lab “${instance.deployment.labConfig.title}” is ready`,
    body: `It is running${course}: open it to start working.`,
    link: `/terminal/${instance.id}`,
  });
  return true;
}

/** Tells the instance's students it ends at `expiresAt`, `minutesLeft` from now. */
export async function notifyLabExpiring(services: NoticeServices, instanceId: string, expiresAt: Date, minutesLeft: number): Promise<void> {
  const { prisma } = services.db;
  const instance = await prisma.labInstance.findUniqueOrThrow({ where: { id: instanceId }, include: instanceWithLab });
  const minutes = Math.max(1, minutesLeft);
  await publishNotification(services.queue, 'student', {
    key: `lab-expiring:${instance.id}:${expiresAt.getTime()}`,
    kind: 'lab_expiring',
    userIds: await studentsOfInstance(prisma, instance),
    title: `Your lab “${instance.deployment.labConfig.title}” ends in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    body: 'Save your work, or ask your teacher for more time from the lab page.',
    link: `/terminal/${instance.id}`,
  });
}
