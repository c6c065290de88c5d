/**
 * Work handed from the API to workers (start a deployment, stop an instance, archive a volume).
 * Implementations: MemoryJobQueue (embedded, in-process) and AmqpJobQueue (RabbitMQ). Both pass
 * job-queue.contract.ts.
 *
 * Semantics: at-least-once. A message is acknowledged only after its handler resolves; a handler that
 * throws (or a worker that dies mid-job) gets the message redelivered, up to `maxAttempts`, after which it
 * goes to the queue's dead-letter list. Handlers must therefore be idempotent. Messages are durable in the
 * production implementation (a broker restart loses nothing); publishes made while the broker is down are
 * retried until `publish`'s deadline and then fail with SERVICE_UNAVAILABLE.
 */
import type { Disposable } from '@autolabs/common/disposable';

/** Lab jobs for the workers, and notifications for the API to store (notifications/notification-message.ts). */
export type QueueName = 'lab.deploy' | 'lab.start' | 'lab.stop' | 'lab.archive' | 'student.notifications' | 'teacher.notifications';

export interface JobContext {
  /** 1 on first delivery. */
  attempt: number;
  messageId: string;
}

export interface ConsumeOptions {
  prefetch?: number;
  maxAttempts?: number;
}

export interface JobQueue {
  publish(queue: QueueName, payload: unknown, opts?: { messageId?: string }): Promise<void>;
  consume(
    queue: QueueName,
    handler: (payload: unknown, ctx: JobContext) => Promise<void>,
    opts?: ConsumeOptions,
  ): Promise<Disposable>;
  /** Messages that exhausted their attempts, oldest first. */
  deadLetters(queue: QueueName): Promise<{ payload: unknown; error: string }[]>;
  /** Jobs waiting for a consumer (not those being handled) and jobs in the dead-letter list, without taking any. */
  depth(queue: QueueName): Promise<{ ready: number; dead: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
