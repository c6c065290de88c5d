/**
 * Session store on Redis, shared by every API, gateway and worker replica.
 *
 * Layout under `keyPrefix` (default `autolabs:`): `session:<id>` is a hash with one JSON-encoded field per
 * top-level record field, so `update` is an atomic HSET of the patched fields (guarded by EXISTS in a Lua
 * script) with no read-modify-write race between replicas; `sessions` is the set of ids and
 * `by-<field>:<value>` index sets serve filtered `list` (kept in step by the same scripts); `claim:<key>`
 * is a `SET NX EX` marker; `hits:<key>` is a sorted set of hit timestamps (score = time, member = time plus a
 * random suffix so equal times stay distinct), trimmed to the window and MAX_HITS_PER_KEY on every hit and
 * expiring one window after its latest hit. Pub/sub channels get the same prefix and use a second, duplicated connection,
 * because a subscribed Redis connection can run nothing else; ioredis re-subscribes after reconnects.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { AppError, isAppError } from '../errors/app-error';
import type { Disposable } from '../disposable';
import { matchesFilter, type SessionFilter } from './session-filter';
import { MAX_HITS_PER_KEY, type SessionRecord, type SessionStore } from './session-store';

/** Fields with an index set each (`by-<field>:<JSON value>`), so filtered `list` reads only matching ids. */
const INDEXED = ['ownerId', 'labInstanceId', 'courseId'] as const;

// The scripts keep a record, the id set and the index sets consistent in one atomic step. They build index
// key names themselves (not passed in KEYS), which is fine on a single Redis or a replicated one, not on
// Redis Cluster. Values are JSON text; the index key embeds that text as is.
const LUA_UNINDEX = `
local function unindex(key, prefix, id)
  for _, f in ipairs({'ownerId', 'labInstanceId', 'courseId'}) do
    local old = redis.call('HGET', key, f)
    if old then redis.call('SREM', prefix .. 'by-' .. f .. ':' .. old, id) end
  end
end`;

/** KEYS[1] record; ARGV: prefix, id, field, value, field, value... */
const PUT = `${LUA_UNINDEX}
unindex(KEYS[1], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if ARGV[i] == 'ownerId' or ARGV[i] == 'labInstanceId' or ARGV[i] == 'courseId' then
    redis.call('SADD', ARGV[1] .. 'by-' .. ARGV[i] .. ':' .. ARGV[i + 1], ARGV[2])
  end
end
redis.call('SADD', ARGV[1] .. 'sessions', ARGV[2])
return 1`;

/** KEYS[1] record; ARGV: prefix, id, field, value...; 0 when the record does not exist. */
const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 3, #ARGV, 2 do
  if ARGV[i] == 'ownerId' or ARGV[i] == 'labInstanceId' or ARGV[i] == 'courseId' then
    local old = redis.call('HGET', KEYS[1], ARGV[i])
    if old then redis.call('SREM', ARGV[1] .. 'by-' .. ARGV[i] .. ':' .. old, ARGV[2]) end
    redis.call('SADD', ARGV[1] .. 'by-' .. ARGV[i] .. ':' .. ARGV[i + 1], ARGV[2])
  end
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1`;

/** KEYS[1] record; ARGV: prefix, id. */
const REMOVE = `${LUA_UNINDEX}
unindex(KEYS[1], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. 'sessions', ARGV[2])
return 1`;

export interface RedisSessionStoreOptions {
  url: string;
  /** Prepended to every key and channel; tests use a random one. */
  keyPrefix?: string;
  /** CLIENT SETNAME of the command connection (the subscriber adds `:sub`), to find it in CLIENT LIST. */
  connectionName?: string;
}

export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis;
  private subscriber: Redis | null = null;
  private readonly prefix: string;
  private readonly handlers = new Map<string, Set<(message: unknown) => void>>();
  private closed = false;

  constructor(opts: RedisSessionStoreOptions) {
    this.prefix = opts.keyPrefix ?? 'autolabs:';
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: 3, connectionName: opts.connectionName ?? 'autolabs' });
    // Errors surface on the commands that hit them; without a listener ioredis would log them unhandled.
    this.redis.on('error', () => {});
  }

  async put(record: SessionRecord): Promise<void> {
    const args = Object.entries(encodeFields(record)).flat();
    await this.run(() => this.redis.eval(PUT, 1, this.recordKey(record.id), this.prefix, record.id, ...args));
  }

  async get(id: string): Promise<SessionRecord | null> {
    const fields = await this.run(() => this.redis.hgetall(this.recordKey(id)));
    return decodeFields(fields);
  }

  async update(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<boolean> {
    const args = Object.entries(encodeFields(patch)).flat();
    if (args.length === 0) return (await this.run(() => this.redis.exists(this.recordKey(id)))) === 1;
    const changed = await this.run(() => this.redis.eval(UPDATE_IF_EXISTS, 1, this.recordKey(id), this.prefix, id, ...args));
    return changed === 1;
  }

  async list(filter: SessionFilter = {}): Promise<SessionRecord[]> {
    const sets = INDEXED.filter((f) => filter[f] !== undefined).map((f) => `${this.prefix}by-${f}:${JSON.stringify(filter[f])}`);
    const ids = await this.run(() => (sets.length > 0 ? this.redis.sinter(...sets) : this.redis.smembers(this.indexKey())));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.recordKey(id));
    const replies = (await this.run(() => pipeline.exec())) ?? [];
    const records: SessionRecord[] = [];
    replies.forEach(([err, fields]) => {
      const record = err ? null : decodeFields(fields as Record<string, string>);
      if (record && matchesFilter(record, filter)) records.push(record);
    });
    return records;
  }

  async remove(id: string): Promise<void> {
    await this.run(() => this.redis.eval(REMOVE, 1, this.recordKey(id), this.prefix, id));
  }

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    const seconds = Math.max(1, Math.ceil(ttlSeconds));
    const reply = await this.run(() => this.redis.set(`${this.prefix}claim:${key}`, '1', 'EX', seconds, 'NX'));
    return reply === 'OK';
  }

  async recordHit(key: string, windowMs: number, now = Date.now()): Promise<void> {
    const k = this.hitsKey(key);
    const member = `${now}:${randomBytes(6).toString('hex')}`;
    // One MULTI, so a reader on another replica never sees the set half trimmed.
    const replies = await this.run(() =>
      this.redis
        .multi()
        .zadd(k, now, member)
        .zremrangebyscore(k, '-inf', now - windowMs)
        .zremrangebyrank(k, 0, -(MAX_HITS_PER_KEY + 1))
        .pexpire(k, windowMs)
        .exec(),
    );
    const failed = replies?.find(([err]) => err)?.[0];
    if (failed) throw new AppError('SERVICE_UNAVAILABLE', 'session store (Redis) is unavailable', { cause: failed });
  }

  async recentHits(key: string, windowMs: number, now = Date.now()): Promise<number[]> {
    const reply = await this.run(() => this.redis.zrange(this.hitsKey(key), `(${now - windowMs}`, '+inf', 'BYSCORE', 'WITHSCORES'));
    // WITHSCORES interleaves member, score: keep the scores.
    return reply.filter((_, i) => i % 2 === 1).map(Number);
  }

  async clearHits(key: string): Promise<void> {
    await this.run(() => this.redis.del(this.hitsKey(key)));
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.run(() => this.redis.publish(this.prefix + channel, JSON.stringify(message)));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<Disposable> {
    this.assertOpen();
    const full = this.prefix + channel;
    const subscriber = this.subscriberConnection();
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await this.run(() => subscriber.subscribe(full));
    }
    const entry = (message: unknown) => handler(message);
    set.add(entry);
    let disposed = false;
    return {
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        set.delete(entry);
        if (set.size === 0 && this.handlers.get(full) === set) {
          this.handlers.delete(full);
          if (!this.closed) await subscriber.unsubscribe(full).catch(() => undefined);
        }
      },
    };
  }

  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    await Promise.all([this.redis.quit().catch(() => undefined), this.subscriber?.quit().catch(() => undefined)]);
  }

  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      // ioredis reconnects this connection by itself and re-subscribes its channels (autoResubscribe).
      const sub = this.redis.duplicate({ connectionName: `${this.redis.options.connectionName ?? 'autolabs'}:sub` });
      sub.on('error', () => {});
      sub.on('message', (channel: string, raw: string) => {
        const message = parseMessage(raw);
        for (const h of this.handlers.get(channel) ?? []) h(message);
      });
      this.subscriber = sub;
    }
    return this.subscriber;
  }

  private recordKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private hitsKey(key: string): string {
    return `${this.prefix}hits:${key}`;
  }

  private indexKey(): string {
    return `${this.prefix}sessions`;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'session store is closed');
  }

  /** Every Redis failure becomes SERVICE_UNAVAILABLE (the cause keeps Redis's own message for the log). */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await op();
    } catch (e) {
      if (isAppError(e)) throw e;
      throw new AppError('SERVICE_UNAVAILABLE', 'session store (Redis) is unavailable', { cause: e });
    }
  }
}

function encodeFields(values: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = JSON.stringify(v);
  return out;
}

function decodeFields(fields: Record<string, string>): SessionRecord | null {
  const entries = Object.entries(fields);
  if (entries.length === 0) return null;
  return Object.fromEntries(entries.map(([k, v]) => [k, JSON.parse(v) as unknown])) as unknown as SessionRecord;
}

/** A message that is not JSON (published by something else) is handed over as its raw text. */
function parseMessage(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
