/**
 * Embedded job queue: in-process, same delivery rules as AmqpJobQueue (ack after the handler resolves,
 * redelivery after a throw, dead-letter after maxAttempts, prefetch, redelivery to another consumer when
 * one is disposed mid-job). Unlike RabbitMQ it is not durable: jobs still queued when the process crashes
 * are lost. Embedded mode tolerates that because workers reconcile lab instances from the database on start.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Disposable } from '@autolabs/common/disposable';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_PREFETCH, errorText } from './delivery-defaults';
import type { ConsumeOptions, JobContext, JobQueue, QueueName } from './job-queue';

interface Message {
  messageId: string;
  body: string;
  attempt: number;
}

interface Consumer {
  handler: (payload: unknown, ctx: JobContext) => Promise<void>;
  prefetch: number;
  maxAttempts: number;
  inFlight: Set<Message>;
  active: boolean;
}

interface QueueState {
  ready: Message[];
  consumers: Consumer[];
  nextConsumer: number;
  dead: { payload: unknown; error: string }[];
}

export class MemoryJobQueue implements JobQueue {
  private readonly queues = new Map<QueueName, QueueState>();
  private closed = false;

  async publish(queue: QueueName, payload: unknown, opts: { messageId?: string } = {}): Promise<void> {
    this.assertOpen();
    const body = JSON.stringify(payload);
    if (body === undefined) throw new AppError('BAD_INPUT', 'job payload must be JSON-serialisable', { field: 'payload' });
    this.state(queue).ready.push({ messageId: opts.messageId ?? randomUUID(), body, attempt: 1 });
    this.schedule(queue);
  }

  async consume(queue: QueueName, handler: (payload: unknown, ctx: JobContext) => Promise<void>, opts: ConsumeOptions = {}): Promise<Disposable> {
    this.assertOpen();
    const consumer: Consumer = {
      handler,
      prefetch: Math.max(1, opts.prefetch ?? DEFAULT_PREFETCH),
      maxAttempts: Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
      inFlight: new Set(),
      active: true,
    };
    const state = this.state(queue);
    state.consumers.push(consumer);
    this.schedule(queue);
    return {
      dispose: () => {
        if (!consumer.active) return;
        consumer.active = false;
        state.consumers = state.consumers.filter((c) => c !== consumer);
        // Like a closed AMQP channel: unacknowledged jobs go back to the queue, and the interrupted
        // attempt counts (see AmqpJobQueue), so a job that kills every consumer still ends dead-lettered.
        for (const m of consumer.inFlight) {
          if (m.attempt >= consumer.maxAttempts) {
            state.dead.push({ payload: JSON.parse(m.body), error: `interrupted: the consumer stopped during attempt ${m.attempt}` });
          } else {
            state.ready.push({ ...m, attempt: m.attempt + 1 });
          }
        }
        consumer.inFlight.clear();
        this.schedule(queue);
      },
    };
  }

  async deadLetters(queue: QueueName): Promise<{ payload: unknown; error: string }[]> {
    return [...this.state(queue).dead];
  }

  async depth(queue: QueueName): Promise<{ ready: number; dead: number }> {
    const state = this.state(queue);
    return { ready: state.ready.length, dead: state.dead.length };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.queues.values()) for (const c of state.consumers) c.active = false;
  }

  private state(queue: QueueName): QueueState {
    let state = this.queues.get(queue);
    if (!state) {
      state = { ready: [], consumers: [], nextConsumer: 0, dead: [] };
      this.queues.set(queue, state);
    }
    return state;
  }

  private schedule(queue: QueueName): void {
    setImmediate(() => this.dispatch(queue));
  }

  /** Hand ready messages round-robin to consumers that have room under their prefetch. */
  private dispatch(queue: QueueName): void {
    if (this.closed) return;
    const state = this.state(queue);
    while (state.ready.length > 0) {
      const consumer = this.pickConsumer(state);
      if (!consumer) return;
      const message = state.ready.shift() as Message;
      consumer.inFlight.add(message);
      void this.run(queue, consumer, message);
    }
  }

  private pickConsumer(state: QueueState): Consumer | undefined {
    const n = state.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = state.consumers[(state.nextConsumer + i) % n];
      if (c.inFlight.size < c.prefetch) {
        state.nextConsumer = (state.nextConsumer + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  private async run(queue: QueueName, consumer: Consumer, message: Message): Promise<void> {
    let failure: unknown = null;
    try {
      await consumer.handler(JSON.parse(message.body), { attempt: message.attempt, messageId: message.messageId });
    } catch (e) {
      failure = e;
    }
    // A disposed consumer cannot acknowledge: its message was already handed back to the queue.
    if (!consumer.inFlight.delete(message)) return;
    const state = this.state(queue);
    if (failure !== null) {
      if (message.attempt >= consumer.maxAttempts) {
        state.dead.push({ payload: JSON.parse(message.body), error: errorText(failure) });
      } else {
        state.ready.push({ ...message, attempt: message.attempt + 1 });
      }
    }
    this.schedule(queue);
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'job queue is closed');
  }
}
