/**
 * One RabbitMQ connection that comes back by itself. After a loss (broker restart, forced close, network
 * cut) it reconnects with exponential backoff and jitter until closed, then calls `onConnect` listeners so
 * owners can re-declare queues and re-attach consumers. Callers that need a connection now wait for it
 * with a deadline (`waitForConnection`) instead of failing at the first hiccup.
 */
import { EventEmitter, once } from 'node:events';
import amqp, { type ChannelModel } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';
import { errorText } from './delivery-defaults';

export interface AmqpConnectionOptions {
  url: string;
  connectionName: string;
  initialDelayMs: number;
  maxDelayMs: number;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

export class AmqpConnection {
  private model: ChannelModel | null = null;
  private readonly events = new EventEmitter();
  private readonly connectListeners: ((model: ChannelModel) => Promise<void>)[] = [];
  private readonly lostListeners: (() => void)[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnecting = false;
  private closed = false;

  constructor(private readonly opts: AmqpConnectionOptions) {
    this.events.setMaxListeners(0);
  }

  /** The live connection, or null while (re)connecting. */
  get current(): ChannelModel | null {
    return this.model;
  }

  /** Runs after every successful (re)connection, before waiters are released. */
  onConnect(listener: (model: ChannelModel) => Promise<void>): void {
    this.connectListeners.push(listener);
  }

  /** Runs when the live connection is lost. */
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  start(): void {
    this.scheduleReconnect(0);
  }

  /** Resolves with the live connection, or throws SERVICE_UNAVAILABLE once `deadline` (epoch ms) passes. */
  async waitForConnection(deadline: number): Promise<ChannelModel> {
    while (!this.model) {
      if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'job queue is closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.unavailable(null);
      await Promise.race([once(this.events, 'connected'), once(this.events, 'closed'), sleep(Math.min(remaining, 1000))]);
    }
    return this.model;
  }

  unavailable(cause: unknown): AppError {
    return new AppError('SERVICE_UNAVAILABLE', `job queue (RabbitMQ at ${this.safeUrl()}) is unavailable`, { cause });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.events.emit('closed');
    const model = this.model;
    this.model = null;
    // amqplib's close waits for the broker's CloseOk forever if the socket dies meanwhile; don't hang on it.
    if (model) await Promise.race([model.close().catch(() => undefined), sleep(2000)]);
  }

  /** The broker address without credentials, for messages and logs. */
  safeUrl(): string {
    const u = new URL(this.opts.url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed || this.reconnectTimer || this.reconnecting) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.reconnectLoop();
    }, delayMs);
  }

  private async reconnectLoop(): Promise<void> {
    this.reconnecting = true;
    let attempt = 0;
    while (!this.closed && !this.model) {
      try {
        await this.establish();
        if (attempt > 0) this.opts.log?.info({ broker: this.safeUrl() }, 'reconnected to RabbitMQ');
      } catch (e) {
        attempt++;
        const delay = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** Math.min(attempt, 16));
        const jittered = delay * (0.8 + Math.random() * 0.2);
        this.opts.log?.warn({ broker: this.safeUrl(), attempt, retryInMs: Math.round(jittered), err: errorText(e) }, 'RabbitMQ unreachable; retrying');
        await sleep(jittered);
      }
    }
    this.reconnecting = false;
  }

  private async establish(): Promise<void> {
    const model = await amqp.connect(this.opts.url, { clientProperties: { connection_name: this.opts.connectionName }, timeout: 5000 });
    model.on('error', () => {});
    model.on('close', () => this.onConnectionLost(model));
    if (this.closed) {
      await model.close().catch(() => undefined);
      return;
    }
    this.model = model;
    for (const listener of this.connectListeners) await listener(model);
    this.events.emit('connected');
  }

  private onConnectionLost(model: ChannelModel): void {
    if (this.model !== model) return;
    this.model = null;
    for (const listener of this.lostListeners) listener();
    if (this.closed) return;
    this.opts.log?.warn({ broker: this.safeUrl() }, 'RabbitMQ connection lost; reconnecting');
    this.scheduleReconnect(this.opts.initialDelayMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
