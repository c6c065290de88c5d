/**
 * Keeps one session's record in the SessionStore current without writing on every keystroke: changes
 * to who is attached, control grants and state are written at once; activity times (lastInputAt,
 * lastOutputAt) at most every `throttleMs`, and with each heartbeat. A store failure is logged, never
 * thrown: a Redis hiccup must not kill a student's terminal.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { SessionRecord, SessionStore } from '@autolabs/common/session-store/session-store';

type Patch = Partial<Omit<SessionRecord, 'id'>>;

export class SessionRegistration {
  private pending: Patch = {};
  private timer: NodeJS.Timeout | null = null;
  private writes: Promise<unknown> = Promise.resolve();
  private removed = false;

  constructor(
    private readonly store: SessionStore,
    private readonly record: SessionRecord,
    private readonly log: FastifyBaseLogger,
    private readonly throttleMs = 5000,
  ) {}

  put(): Promise<void> {
    return this.enqueue(() => this.store.put({ ...this.record }));
  }

  /** Written immediately (together with any pending activity). */
  change(patch: Patch): Promise<void> {
    Object.assign(this.record, patch);
    Object.assign(this.pending, patch);
    return this.flush();
  }

  activity(kind: 'input' | 'output', at = Date.now()): void {
    const patch: Patch = kind === 'input' ? { lastInputAt: at } : { lastOutputAt: at };
    Object.assign(this.record, patch);
    Object.assign(this.pending, patch);
    this.timer ??= setTimeout(() => void this.flush(), this.throttleMs);
  }

  heartbeat(at = Date.now()): Promise<void> {
    return this.change({ heartbeatAt: at });
  }

  async remove(): Promise<void> {
    this.removed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.enqueue(() => this.store.remove(this.record.id));
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const patch = this.pending;
    this.pending = {};
    if (this.removed || Object.keys(patch).length === 0) return this.writes.then(() => undefined);
    return this.enqueue(() => this.store.update(this.record.id, patch));
  }

  /** Writes run one after another so an older patch never lands after a newer one. */
  private enqueue(write: () => Promise<unknown>): Promise<void> {
    const next = this.writes.then(write).catch((err) => this.log.warn({ err, sessionId: this.record.id }, 'session store write failed'));
    this.writes = next;
    return next.then(() => undefined);
  }
}
