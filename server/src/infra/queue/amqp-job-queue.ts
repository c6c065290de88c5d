/**
 * Job queue on RabbitMQ. Each QueueName maps to a durable queue `<queuePrefix><name>` and a dead-letter
 * queue `<queuePrefix><name>.dead`; messages are persistent and published on a confirm channel, so
 * `publish` resolves only once the broker has the job.
 *
 * Delivery: one channel per consumer with `prefetch`, manual ack after the handler resolves. A throwing
 * handler's job is re-published with `x-attempt` + 1 (confirmed) and only then acked, so a crash in
 * between duplicates rather than loses it; after `maxAttempts` it goes to `.dead` with the error in
 * `x-error`. A job whose consumer dies is redelivered by the broker flagged `redelivered`; that
 * interrupted attempt is counted the same way (re-published with `x-attempt` + 1, or dead-lettered).
 *
 * Connection loss: AmqpConnection reconnects with backoff; queues are re-declared and every live consumer
 * re-attached. Publishes wait for the connection until `publishTimeoutMs`, then fail SERVICE_UNAVAILABLE.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import type { Disposable } from '@autolabs/common/disposable';
import { AmqpConnection, sleep } from './amqp-connection';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_PREFETCH, errorText } from './delivery-defaults';
import type { ConsumeOptions, JobContext, JobQueue, QueueName } from './job-queue';

export interface AmqpJobQueueOptions {
  url: string;
  /** Prepended to every queue name; tests use a random one. */
  queuePrefix?: string;
  /** Shown in the RabbitMQ management UI (and used by tests to find this connection). */
  connectionName?: string;
  publishTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  log?: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

interface ConsumerRecord {
  queue: QueueName;
  handler: (payload: unknown, ctx: JobContext) => Promise<void>;
  prefetch: number;
  maxAttempts: number;
  channel: ConfirmChannel | null;
  active: boolean;
}

const ATTEMPT_HEADER = 'x-attempt';
const ERROR_HEADER = 'x-error';

export class AmqpJobQueue implements JobQueue {
  private readonly connection: AmqpConnection;
  private readonly queuePrefix: string;
  private readonly publishTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn'> | undefined;
  private publisher: ConfirmChannel | null = null;
  private readonly asserted = new Map<string, Promise<void>>();
  private readonly consumers = new Set<ConsumerRecord>();
  private closed = false;

  private constructor(opts: AmqpJobQueueOptions) {
    this.queuePrefix = opts.queuePrefix ?? '';
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 10_000;
    this.retryDelayMs = opts.reconnect?.initialDelayMs ?? 200;
    this.log = opts.log;
    this.connection = new AmqpConnection({
      url: opts.url,
      connectionName: opts.connectionName ?? `autolabs@${hostname()}:${process.pid}`,
      initialDelayMs: this.retryDelayMs,
      maxDelayMs: opts.reconnect?.maxDelayMs ?? 10_000,
      log: opts.log,
    });
    this.connection.onConnect(async (model) => {
      this.asserted.clear();
      this.publisher = null;
      for (const consumer of this.consumers) {
        await this.attach(consumer, model).catch((e: unknown) => this.log?.warn({ queue: consumer.queue, err: errorText(e) }, 'could not re-attach consumer'));
      }
    });
    this.connection.onLost(() => {
      this.publisher = null;
      for (const c of this.consumers) c.channel = null;
    });
  }

  /** Connect (retrying until `publishTimeoutMs`) and return the queue; throws SERVICE_UNAVAILABLE. */
  static async connect(opts: AmqpJobQueueOptions): Promise<AmqpJobQueue> {
    const queue = new AmqpJobQueue(opts);
    queue.connection.start();
    try {
      await queue.connection.waitForConnection(Date.now() + queue.publishTimeoutMs);
    } catch (e) {
      await queue.close();
      throw e;
    }
    return queue;
  }

  async publish(queue: QueueName, payload: unknown, opts: { messageId?: string } = {}): Promise<void> {
    const json = JSON.stringify(payload);
    if (json === undefined) throw new AppError('BAD_INPUT', 'job payload must be JSON-serialisable', { field: 'payload' });
    const properties: Options.Publish = {
      persistent: true,
      contentType: 'application/json',
      messageId: opts.messageId ?? randomUUID(),
      headers: { [ATTEMPT_HEADER]: 1 },
    };
    const deadline = Date.now() + this.publishTimeoutMs;
    for (;;) {
      this.assertOpen();
      try {
        const channel = await this.publishChannel(deadline);
        await this.assertTopology(channel, queue);
        await sendConfirmed(channel, this.queueName(queue), Buffer.from(json), properties);
        return;
      } catch (e) {
        if (isAppError(e)) throw e;
        // The connection dropped mid-publish; the job may or may not have arrived, so send again
        // (at-least-once) once the connection is back.
        if (Date.now() > deadline) throw this.connection.unavailable(e);
        await sleep(100);
      }
    }
  }

  async consume(queue: QueueName, handler: (payload: unknown, ctx: JobContext) => Promise<void>, opts: ConsumeOptions = {}): Promise<Disposable> {
    this.assertOpen();
    const consumer: ConsumerRecord = {
      queue,
      handler,
      prefetch: Math.max(1, opts.prefetch ?? DEFAULT_PREFETCH),
      maxAttempts: Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
      channel: null,
      active: true,
    };
    this.consumers.add(consumer);
    try {
      const model = await this.connection.waitForConnection(Date.now() + this.publishTimeoutMs);
      if (!consumer.channel) await this.attach(consumer, model);
    } catch (e) {
      // The caller gets no Disposable, so nothing may be left that a later reconnect would re-attach.
      consumer.active = false;
      this.consumers.delete(consumer);
      throw isAppError(e) ? e : this.connection.unavailable(e);
    }
    return {
      dispose: async () => {
        if (!consumer.active) return;
        consumer.active = false;
        this.consumers.delete(consumer);
        const channel = consumer.channel;
        consumer.channel = null;
        // Closing the channel hands unacknowledged jobs back to the broker for another consumer.
        await channel?.close().catch(() => undefined);
      },
    };
  }

  async deadLetters(queue: QueueName): Promise<{ payload: unknown; error: string }[]> {
    this.assertOpen();
    const model = await this.connection.waitForConnection(Date.now() + this.publishTimeoutMs);
    const channel = await model.createChannel();
    channel.on('error', () => {});
    try {
      await this.assertTopology(channel, queue);
      const out: { payload: unknown; error: string }[] = [];
      for (;;) {
        const msg = await channel.get(`${this.queueName(queue)}.dead`, { noAck: false });
        if (msg === false) break;
        out.push({ payload: parseBody(msg.content), error: String(msg.properties.headers?.[ERROR_HEADER] ?? '') });
      }
      return out;
    } finally {
      // Nothing was acked: closing the channel puts every message back, in order.
      await channel.close().catch(() => undefined);
    }
  }

  async depth(queue: QueueName): Promise<{ ready: number; dead: number }> {
    this.assertOpen();
    const model = await this.connection.waitForConnection(Date.now() + this.publishTimeoutMs);
    const channel = await model.createChannel();
    channel.on('error', () => {});
    try {
      // Declaring is idempotent and answers with the count of ready messages (unacknowledged ones excluded).
      const name = this.queueName(queue);
      const ready = await channel.assertQueue(name, { durable: true });
      const dead = await channel.assertQueue(`${name}.dead`, { durable: true });
      return { ready: ready.messageCount, dead: dead.messageCount };
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.connection.waitForConnection(Date.now() + 2000);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.consumers) c.active = false;
    this.consumers.clear();
    this.publisher = null;
    await this.connection.close();
  }

  private queueName(queue: QueueName): string {
    return this.queuePrefix + queue;
  }

  /** Declares a queue and its dead-letter queue once per connection, however many publishes race for it. */
  private assertTopology(channel: Channel, queue: QueueName): Promise<void> {
    const name = this.queueName(queue);
    let pending = this.asserted.get(name);
    if (!pending) {
      pending = (async () => {
        await channel.assertQueue(name, { durable: true });
        await channel.assertQueue(`${name}.dead`, { durable: true });
      })();
      pending.catch(() => this.asserted.delete(name));
      this.asserted.set(name, pending);
    }
    return pending;
  }

  private async publishChannel(deadline: number): Promise<ConfirmChannel> {
    const model = await this.connection.waitForConnection(deadline);
    if (this.publisher) return this.publisher;
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    channel.on('close', () => {
      if (this.publisher === channel) this.publisher = null;
    });
    this.publisher = channel;
    return channel;
  }

  private async attach(consumer: ConsumerRecord, model: ChannelModel): Promise<void> {
    if (!consumer.active) return;
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    channel.on('close', () => {
      if (consumer.channel !== channel) return;
      consumer.channel = null;
      // A channel-level failure on a healthy connection: attach a fresh channel. Connection loss is
      // handled by AmqpConnection's reconnect instead.
      if (consumer.active && this.connection.current === model) {
        setTimeout(() => void this.attach(consumer, model).catch(() => undefined), this.retryDelayMs);
      }
    });
    await channel.prefetch(consumer.prefetch);
    await this.assertTopology(channel, consumer.queue);
    if (!consumer.active) {
      await channel.close().catch(() => undefined);
      return;
    }
    consumer.channel = channel;
    await channel.consume(this.queueName(consumer.queue), (msg) => {
      if (msg) void this.handle(consumer, channel, msg);
    });
  }

  private async handle(consumer: ConsumerRecord, channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const attempt = Number(msg.properties.headers?.[ATTEMPT_HEADER] ?? 1) || 1;
    const messageId = String(msg.properties.messageId ?? msg.fields.deliveryTag);
    if (msg.fields.redelivered) {
      // The consumer that had it died or lost its connection: that attempt counts.
      await this.settle(consumer, channel, msg, attempt, messageId, `interrupted: the consumer stopped during attempt ${attempt}`);
      return;
    }
    let failure: unknown = null;
    let payload: unknown;
    try {
      payload = JSON.parse(msg.content.toString('utf8'));
    } catch {
      await this.settle(consumer, channel, msg, consumer.maxAttempts, messageId, 'payload is not JSON');
      return;
    }
    try {
      await consumer.handler(payload, { attempt, messageId });
    } catch (e) {
      failure = e;
    }
    // The channel is gone (consumer disposed or connection lost): the broker redelivers the job.
    if (consumer.channel !== channel) return;
    await this.settle(consumer, channel, msg, attempt, messageId, failure === null ? null : errorText(failure));
  }

  /**
   * Acknowledge a delivery. A failed attempt (`error` set) is first re-published with the attempt counted,
   * or to the dead-letter queue once `maxAttempts` is reached, and confirmed before the ack.
   */
  private async settle(consumer: ConsumerRecord, channel: ConfirmChannel, msg: ConsumeMessage, attempt: number, messageId: string, error: string | null): Promise<void> {
    const name = this.queueName(consumer.queue);
    try {
      if (error !== null) {
        const exhausted = attempt >= consumer.maxAttempts;
        await sendConfirmed(channel, exhausted ? `${name}.dead` : name, msg.content, {
          persistent: true,
          contentType: 'application/json',
          messageId,
          headers: exhausted ? { [ATTEMPT_HEADER]: attempt, [ERROR_HEADER]: error.slice(0, 2000) } : { [ATTEMPT_HEADER]: attempt + 1 },
        });
      }
      channel.ack(msg);
    } catch (e) {
      this.log?.warn({ queue: consumer.queue, messageId, err: errorText(e) }, 'could not settle job; it will be redelivered');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'job queue is closed');
  }
}

function sendConfirmed(channel: ConfirmChannel, queue: string, body: Buffer, properties: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, body, properties, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

function parseBody(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8')) as unknown;
  } catch {
    return content.toString('utf8');
  }
}
