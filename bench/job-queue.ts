/**
 * Job queue throughput, memory vs RabbitMQ: `npm run bench:queue`.
 * Prints a table; not a test. BENCH_JOBS [2000], AMQP_URL [amqp://guest:guest@127.0.0.1:5672].
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { AmqpJobQueue } from '@autolabs/server/infra/queue/amqp-job-queue';
import type { JobQueue } from '@autolabs/server/infra/queue/job-queue';
import { MemoryJobQueue } from '@autolabs/server/infra/queue/memory-job-queue';

const JOBS = Number(process.env.BENCH_JOBS ?? 2000);
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function measure(name: string, queue: JobQueue, prefetch: number): Promise<string[]> {
  let done = 0;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((r) => (finish = r));
  const startedAt = new Map<number, number>();
  const latencies: number[] = [];
  await queue.consume(
    'lab.deploy',
    async (payload) => {
      const i = (payload as { i: number }).i;
      latencies.push(performance.now() - (startedAt.get(i) ?? 0));
      if (++done === JOBS) finish();
    },
    { prefetch },
  );
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: JOBS }, (_, i) => {
      startedAt.set(i, performance.now());
      return queue.publish('lab.deploy', { i });
    }),
  );
  const published = performance.now() - t0;
  await allDone;
  const total = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  return [name, String(prefetch), (JOBS / (published / 1000)).toFixed(0), (JOBS / (total / 1000)).toFixed(0), p(0.5), p(0.99)];
}

const rows: string[][] = [['queue', 'prefetch', 'publish/s', 'end-to-end jobs/s', 'p50 ms', 'p99 ms']];
for (const prefetch of [1, 10]) {
  const memory = new MemoryJobQueue();
  rows.push(await measure('memory', memory, prefetch));
  await memory.close();
  const prefix = `bench-${randomUUID()}.`;
  const rabbit = await AmqpJobQueue.connect({ url: AMQP_URL, queuePrefix: prefix });
  rows.push(await measure('rabbitmq', rabbit, prefetch));
  await rabbit.close();
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  await ch.deleteQueue(`${prefix}lab.deploy`);
  await ch.deleteQueue(`${prefix}lab.deploy.dead`);
  await conn.close();
}
process.stdout.write(`${JOBS} jobs, published concurrently, one consumer\n`);
for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(18))).join('')}\n`);
