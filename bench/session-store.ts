/**
 * Session store operation latency, memory vs Redis: `npm run bench:session-store`.
 * Prints a table; not a test. BENCH_OPS [2000] sequential operations of each kind; REDIS_URL [redis://127.0.0.1:6379/15].
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import type { SessionRecord, SessionStore } from '@autolabs/common/session-store/session-store';

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';

function record(i: number): SessionRecord {
  const now = Date.now();
  return {
    id: `s-${i}`, ownerId: `u-${i % 50}`, labInstanceId: `i-${i}`, courseId: 'c-1', gatewayId: 'gw', state: 'live',
    clients: [{ clientId: 'c', userId: `u-${i % 50}`, mode: 'owner' }], controlGrantedTo: [], recording: false,
    createdAt: now, lastInputAt: now, lastOutputAt: now, heartbeatAt: now,
  };
}

async function timeEach(op: (i: number) => Promise<unknown>): Promise<[string, string]> {
  const samples: number[] = [];
  for (let i = 0; i < OPS; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return [(samples[Math.floor(samples.length / 2)] * 1000).toFixed(0), (samples[Math.floor(samples.length * 0.99)] * 1000).toFixed(0)];
}

async function bench(name: string, store: SessionStore): Promise<string[]> {
  const put = await timeEach((i) => store.put(record(i)));
  const update = await timeEach((i) => store.update(`s-${i}`, { lastInputAt: Date.now() }));
  const claim = await timeEach(() => store.claimOnce(randomUUID(), 60));
  const list = await timeEach(() => store.list({ ownerId: 'u-7' }));
  return [name, ...put, ...update, ...claim, ...list];
}

const prefix = `bench:${randomUUID()}:`;
const rows = [['store', 'put p50 µs', 'p99', 'update p50', 'p99', 'claim p50', 'p99', 'list p50', 'p99']];
const memory = new MemorySessionStore();
rows.push(await bench('memory', memory));
await memory.close();
const redis = new RedisSessionStore({ url: REDIS_URL, keyPrefix: prefix });
rows.push(await bench('redis', redis));
await redis.close();
const cleanup = new Redis(REDIS_URL);
const keys = await cleanup.keys(`${prefix}*`);
for (let i = 0; i < keys.length; i += 500) await cleanup.del(...keys.slice(i, i + 500));
await cleanup.quit();
process.stdout.write(`${OPS} sequential operations of each kind; list = one owner's 40 of ${OPS} records\n`);
for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(14))).join('')}\n`);
