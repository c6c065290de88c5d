import { execFile } from 'node:child_process';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_AMQP_URL } from '../../../../test/setup/services';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { AmqpJobQueue } from './amqp-job-queue';
import type { JobQueue, QueueName } from './job-queue';
import { runJobQueueContract } from './job-queue.contract';

const QUEUES: QueueName[] = ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive'];
const prefixes = new Set<string>();
const prefixOf = new WeakMap<JobQueue, string>();

async function openQueue(prefix: string, connectionName?: string): Promise<AmqpJobQueue> {
  prefixes.add(prefix);
  const q = await AmqpJobQueue.connect({ url: TEST_AMQP_URL, queuePrefix: prefix, connectionName, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
  prefixOf.set(q, prefix);
  return q;
}

/** The test run leaves no queues behind on the shared broker. */
afterAll(async () => {
  const conn = await amqp.connect(TEST_AMQP_URL);
  const channel = await conn.createChannel();
  for (const prefix of prefixes) {
    for (const q of QUEUES) {
      await channel.deleteQueue(`${prefix}${q}`);
      await channel.deleteQueue(`${prefix}${q}.dead`);
    }
  }
  await conn.close();
});

runJobQueueContract('AmqpJobQueue (RabbitMQ)', {
  makeQueue: () => openQueue(`test-${randomUUID()}.`),
  openPeer: (queue) => openQueue(prefixOf.get(queue) as string),
});

/** Close one connection from the broker's side, as `rabbitmqctl close_all_connections` would, sparing others. */
async function forceCloseConnection(connectionName: string): Promise<void> {
  const run = promisify(execFile);
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  const line = stdout.split('\n').find((l) => l.includes(`"${connectionName}"`));
  const pid = line?.split('\t')[0];
  if (!pid) throw new Error(`no broker connection named ${connectionName}`);
  await run('rabbitmqctl', ['close_connection', pid, 'forced by test']);
}

/** A TCP hop to the broker whose sockets the test can cut abruptly, and which can refuse new ones for a while. */
async function startCuttableProxy(target: URL): Promise<{ url: string; cut(refuseMs: number): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let refuseUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < refuseUntil) return client.destroy();
    const upstream = net.connect(Number(target.port || 5672), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target.toString());
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    cut(refuseMs) {
      refuseUntil = Date.now() + refuseMs;
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/**
 * Jobs numbered `from` and up wait in their handler until `release()`: they are delivered and not yet
 * acknowledged, so a connection lost meanwhile loses them mid-stream, for certain rather than by timing.
 */
function holdJobsFrom(from: number) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const held = new Set<number>();
  return {
    held,
    release,
    async handle(i: number): Promise<void> {
      if (i < from) return;
      held.add(i);
      await released;
    },
  };
}

describe('AmqpJobQueue against RabbitMQ', () => {
  const opened: JobQueue[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });

  it('loses no job when the broker closes the connection mid-stream: it reconnects and consumers resume', async () => {
    const name = `autolabs-test-${randomUUID()}`;
    const q = await openQueue(`test-${randomUUID()}.`, name);
    opened.push(q);
    const done = new Set<number>();
    const hold = holdJobsFrom(5);
    await q.consume(
      'lab.deploy',
      async (payload) => {
        const { i } = payload as { i: number };
        await hold.handle(i);
        done.add(i);
      },
      { prefetch: 4 },
    );
    for (let i = 0; i < 30; i++) await q.publish('lab.deploy', { i });
    await waitFor('five jobs done and four in flight', () => done.size === 5 && hold.held.size === 4);

    await forceCloseConnection(name);
    // Published while the connection is down or being re-established: they wait, then go through.
    for (let i = 30; i < 50; i++) await q.publish('lab.deploy', { i });
    hold.release();

    await waitFor('all 50 jobs', () => done.size === 50, 20_000);
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await q.deadLetters('lab.deploy')).toEqual([]);
  });

  it('loses no job when the network connection is cut abruptly and the broker is unreachable for a while', async () => {
    const proxy = await startCuttableProxy(new URL(TEST_AMQP_URL));
    const prefix = `test-${randomUUID()}.`;
    prefixes.add(prefix);
    const q = await AmqpJobQueue.connect({ url: proxy.url, queuePrefix: prefix, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
    opened.push(q);
    try {
      const done = new Set<number>();
      const hold = holdJobsFrom(3);
      await q.consume('lab.start', async (payload) => {
        const { i } = payload as { i: number };
        await hold.handle(i);
        done.add(i);
      });
      for (let i = 0; i < 20; i++) await q.publish('lab.start', { i });
      await waitFor('three jobs done and one in flight', () => done.size === 3 && hold.held.size >= 1);

      proxy.cut(4000);
      // The loss is noticed asynchronously; ping then waits up to 2 s for a connection, and the broker
      // stays unreachable for 4 s, so ping reports the outage.
      await waitFor('outage reported by ping', () => q.ping().then(() => false, (e: { code?: string }) => e.code === 'SERVICE_UNAVAILABLE'), 3000);
      for (let i = 20; i < 30; i++) await q.publish('lab.start', { i });
      hold.release();

      await waitFor('all 30 jobs', () => done.size === 30, 20_000);
      expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      await expect(q.ping()).resolves.toBeUndefined();
    } finally {
      await q.close();
      await proxy.close();
    }
  });

  it('keeps published jobs in the broker when no consumer is connected, for the next process to take', async () => {
    const prefix = `test-${randomUUID()}.`;
    const producer = await openQueue(prefix);
    await producer.publish('lab.stop', { instanceId: 'a' }, { messageId: 'a' });
    await producer.publish('lab.stop', { instanceId: 'b' }, { messageId: 'b' });
    await producer.close();

    const worker = await openQueue(prefix);
    opened.push(worker);
    const seen: string[] = [];
    await worker.consume('lab.stop', async (_p, ctx) => {
      seen.push(ctx.messageId);
    });
    await waitFor('both jobs', () => seen.length === 2);
    expect(seen).toEqual(['a', 'b']);
  });

  it('sends a message that is not JSON straight to the dead letters without calling the handler', async () => {
    const prefix = `test-${randomUUID()}.`;
    const q = await openQueue(prefix);
    opened.push(q);
    let called = 0;
    await q.consume('lab.archive', async () => {
      called++;
    });
    const raw = await amqp.connect(TEST_AMQP_URL);
    const channel = await raw.createChannel();
    channel.sendToQueue(`${prefix}lab.archive`, Buffer.from('not json {'), { persistent: true });
    await channel.close();
    await raw.close();
    await waitFor('dead letter', async () => (await q.deadLetters('lab.archive')).length === 1);
    expect(await q.deadLetters('lab.archive')).toEqual([{ payload: 'not json {', error: 'payload is not JSON' }]);
    expect(called).toBe(0);
  });

  it('fails with SERVICE_UNAVAILABLE, without the password, when the broker cannot be reached', async () => {
    const started = Date.now();
    const attempt = AmqpJobQueue.connect({ url: 'amqp://guest:s3cret@127.0.0.1:1', publishTimeoutMs: 800 });
    await expect(attempt).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(attempt).rejects.not.toThrow(/s3cret/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
