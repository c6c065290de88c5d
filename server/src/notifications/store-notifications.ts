/**
 * The consumer of student.notifications and teacher.notifications, run by every API process (app.ts): each
 * message becomes one `notifications` row per addressee that still exists. Rows are unique per user and
 * event key, so a message delivered twice, or published twice for one event, is stored once. A malformed
 * message is refused (BAD_INPUT) and ends in the queue's dead-letter list.
 */
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';
import type { PrismaClient } from '../generated/prisma/client';
import type { Disposable } from '@autolabs/common/disposable';
import type { JobQueue } from '../infra/queue/job-queue';
import { NOTIFICATION_QUEUES, notificationMessage, type NotificationMessage } from './notification-message';

/** Stores a message for its addressees; returns how many rows were new. */
export async function storeNotification(prisma: PrismaClient, message: NotificationMessage): Promise<number> {
  // An account deleted since the message was written is left out, not a failed insert for everyone.
  const users = await prisma.user.findMany({ where: { id: { in: message.userIds } }, select: { id: true } });
  const { count } = await prisma.notification.createMany({
    data: users.map((u) => ({ userId: u.id, kind: message.kind, key: message.key, title: message.title, body: message.body, link: message.link })),
    skipDuplicates: true,
  });
  return count;
}

export async function consumeNotifications(queue: JobQueue, prisma: PrismaClient, log: FastifyBaseLogger): Promise<Disposable> {
  const consumers: Disposable[] = [];
  for (const name of Object.values(NOTIFICATION_QUEUES)) {
    consumers.push(
      await queue.consume(name, async (payload) => {
        const parsed = notificationMessage.safeParse(payload);
        if (!parsed.success) throw new AppError('BAD_INPUT', `malformed ${name} message`, { detail: { issues: parsed.error.issues } });
        const stored = await storeNotification(prisma, parsed.data);
        log.debug({ queue: name, key: parsed.data.key, kind: parsed.data.kind, stored }, 'notification stored');
      }),
    );
  }
  return {
    async dispose() {
      for (const c of consumers) await c.dispose();
    },
  };
}
