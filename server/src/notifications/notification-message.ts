/**
 * What is told to whom, as it travels on the job queue (the seed's student.notifications and
 * teacher.notifications): the workers and the API publish, the API's consumer stores one row per
 * addressee (store-notifications.ts). A message is complete (title, body, link already written), so the
 * consumer needs nothing but the database, and `key` names the event: a message published twice (a
 * redelivered job, two workers racing) is stored once per user.
 */
import { z } from 'zod';
import type { JobQueue, QueueName } from '../infra/queue/job-queue';

export const NOTIFICATION_KINDS = ['lab_ready', 'lab_expiring', 'class_started', 'hand_raised'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Bounds of what a row holds; a longer body (a class start with many failures) is cut by its writer. */
export const MAX_TITLE = 200;
export const MAX_BODY = 4000;

export const notificationMessage = z.object({
  key: z.string().min(1).max(300),
  kind: z.enum(NOTIFICATION_KINDS),
  userIds: z.array(z.uuid()).min(1).max(10_000),
  title: z.string().min(1).max(MAX_TITLE),
  body: z.string().max(MAX_BODY),
  /** A route of the web app (`/terminal/<instanceId>`), or null. */
  link: z.string().startsWith('/').max(500).nullable(),
});
export type NotificationMessage = z.infer<typeof notificationMessage>;

export type Audience = 'student' | 'teacher';
export const NOTIFICATION_QUEUES = { student: 'student.notifications', teacher: 'teacher.notifications' } as const satisfies Record<Audience, QueueName>;

/**
 * Hands a notification to the queue for its audience. Throws SERVICE_UNAVAILABLE as any publish does;
 * callers decide whether that fails their work (a job is then retried and publishes again, deduplicated
 * by `key`).
 */
export async function publishNotification(queue: JobQueue, audience: Audience, message: NotificationMessage): Promise<void> {
  if (message.userIds.length === 0) return;
  await queue.publish(NOTIFICATION_QUEUES[audience], notificationMessage.parse(message));
}

/** `text` cut to `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
