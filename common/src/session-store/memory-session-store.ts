/**
 * Embedded session store: one process, in memory. Sessions and ticket claims are lost when the process
 * stops, which is harmless in embedded mode: live terminals end with the process too. Messages are
 * JSON round-tripped and delivered asynchronously, so callers see the same semantics as with Redis.
 */
import { AppError } from '../errors/app-error';
import type { Disposable } from '../disposable';
import { matchesFilter } from './session-filter';
import { MAX_HITS_PER_KEY, type SessionRecord, type SessionStore } from './session-store';

/** Hit keys kept at most; the least recently hit go first when an attacker sprays usernames. */
const MAX_HIT_KEYS = 10_000;

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, string>();
  private readonly claims = new Map<string, number>();
  /** Hit timestamps per key, oldest first; Map order is least recently hit first. */
  private readonly hits = new Map<string, number[]>();
  private readonly subscribers = new Map<string, Set<(message: unknown) => void>>();
  private closed = false;
  private claimsSinceSweep = 0;

  async put(record: SessionRecord): Promise<void> {
    this.assertOpen();
    this.records.set(record.id, JSON.stringify(record));
  }

  async get(id: string): Promise<SessionRecord | null> {
    this.assertOpen();
    const raw = this.records.get(id);
    return raw === undefined ? null : (JSON.parse(raw) as SessionRecord);
  }

  async update(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<boolean> {
    this.assertOpen();
    const raw = this.records.get(id);
    if (raw === undefined) return false;
    this.records.set(id, JSON.stringify({ ...(JSON.parse(raw) as SessionRecord), ...patch, id }));
    return true;
  }

  async list(filter: { ownerId?: string; labInstanceId?: string; courseId?: string } = {}): Promise<SessionRecord[]> {
    this.assertOpen();
    return [...this.records.values()].map((raw) => JSON.parse(raw) as SessionRecord).filter((r) => matchesFilter(r, filter));
  }

  async remove(id: string): Promise<void> {
    this.assertOpen();
    this.records.delete(id);
  }

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    this.assertOpen();
    const now = Date.now();
    const until = this.claims.get(key);
    if (until !== undefined && until > now) return false;
    this.claims.set(key, now + ttlSeconds * 1000);
    this.sweepClaims(now);
    return true;
  }

  async recordHit(key: string, windowMs: number, now = Date.now()): Promise<void> {
    this.assertOpen();
    const list = this.recent(key, windowMs, now);
    list.push(now);
    list.sort((a, b) => a - b);
    this.hits.delete(key);
    this.hits.set(key, list.slice(-MAX_HITS_PER_KEY));
    while (this.hits.size > MAX_HIT_KEYS) this.hits.delete(this.hits.keys().next().value as string);
  }

  async recentHits(key: string, windowMs: number, now = Date.now()): Promise<number[]> {
    this.assertOpen();
    return this.recent(key, windowMs, now);
  }

  async clearHits(key: string): Promise<void> {
    this.assertOpen();
    this.hits.delete(key);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.assertOpen();
    const raw = JSON.stringify(message);
    for (const handler of this.subscribers.get(channel) ?? []) {
      setImmediate(() => {
        if (!this.closed) handler(JSON.parse(raw));
      });
    }
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<Disposable> {
    this.assertOpen();
    let handlers = this.subscribers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.subscribers.set(channel, handlers);
    }
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = (message: unknown) => handler(message);
    handlers.add(entry);
    return {
      dispose: () => {
        handlers.delete(entry);
      },
    };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'session store is closed');
  }

  private recent(key: string, windowMs: number, now: number): number[] {
    return (this.hits.get(key) ?? []).filter((t) => now - t < windowMs);
  }

  /** Expired claims are dropped lazily, once per 1000 claims, to keep memory bounded. */
  private sweepClaims(now: number): void {
    if (++this.claimsSinceSweep < 1000) return;
    this.claimsSinceSweep = 0;
    for (const [key, until] of this.claims) if (until <= now) this.claims.delete(key);
  }
}
