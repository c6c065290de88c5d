import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_AMQP_URL, TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../test/setup/services';
import { loadEnv } from '@autolabs/common/config/env';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { AmqpJobQueue } from '../infra/queue/amqp-job-queue';
import { MemoryJobQueue } from '../infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { LocalRuntime } from '../runtime/local/local-runtime';
import { mintTicket, verifyTicket } from '@autolabs/common/tickets/ticket';
import { createServices } from './services';

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function tempDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autolabs-services-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('createServices', () => {
  it('with nothing configured picks every embedded implementation, and their data survives a restart', async () => {
    const dataDir = await tempDataDir();
    const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir });
    const first = await createServices(env, log);
    expect(first.db.kind).toBe('pglite');
    expect(first.objectStore).toBeInstanceOf(LocalDirObjectStore);
    expect(first.queue).toBeInstanceOf(MemoryJobQueue);
    expect(first.sessionStore).toBeInstanceOf(MemorySessionStore);
    expect(first.runtime).toBeInstanceOf(LocalRuntime);
    await first.objectStore.put(env.S3_BUCKET_CONFIGS, 'labs/demo/1.yaml', 'kind: Lab');
    const username = `restart-${randomUUID().slice(0, 8)}`;
    await first.db.prisma.user.create({ data: { username, displayName: 'Restart', role: 'student' } });
    const ticket = await mintTicket(first.ticketKeys.privateKey as NonNullable<typeof first.ticketKeys.privateKey>, {
      sub: 'u', name: 'U', role: 'student', sid: 's', labInstanceId: 'i', courseId: null, ownerId: 'u', mode: 'owner', recording: false,
    }, 60);
    await first.close();
    await first.close();

    const second = await createServices(env, log);
    try {
      expect((await second.objectStore.get(env.S3_BUCKET_CONFIGS, 'labs/demo/1.yaml')).toString()).toBe('kind: Lab');
      expect(await second.db.prisma.user.findUnique({ where: { username } })).toMatchObject({ displayName: 'Restart' });
      await expect(verifyTicket(second.ticketKeys.publicKey, ticket)).resolves.toMatchObject({ sid: 's' });
      await expect(second.objectStore.versions(env.S3_BUCKET_CONFIGS, 'labs/demo/1.yaml')).resolves.toHaveLength(1);
    } finally {
      await second.close();
    }
    // Opening the embedded database (PGlite, WebAssembly) twice is CPU-bound: a bound for a busy machine, not a speed claim.
  }, 120_000);

  it('with DATABASE_URL, REDIS_URL and AMQP_URL set picks Postgres, Redis and RabbitMQ', async () => {
    const dbName = `autolabs_infra_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    });
    const dbUrl = new URL(TEST_DATABASE_URL);
    dbUrl.pathname = `/${dbName}`;
    const env = loadEnv({
      AUTOLABS_DATA_DIR: await tempDataDir(),
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: TEST_REDIS_URL,
      AMQP_URL: TEST_AMQP_URL,
    });
    const services = await createServices(env, log);
    try {
      expect(services.db.kind).toBe('postgres');
      expect(services.sessionStore).toBeInstanceOf(RedisSessionStore);
      expect(services.queue).toBeInstanceOf(AmqpJobQueue);
      await services.db.ping();
      await services.sessionStore.ping();
      await services.queue.ping();
    } finally {
      await services.close();
    }
  });

  it('with AMQP_QUEUE_PREFIX publishes into the prefixed queue (installations sharing a broker keep their jobs apart)', async () => {
    const prefix = `svc-${randomUUID().slice(0, 8)}.`;
    const services = await createServices(loadEnv({ AUTOLABS_DATA_DIR: await tempDataDir(), AMQP_URL: TEST_AMQP_URL, AMQP_QUEUE_PREFIX: prefix }), log);
    const amqp = await import('amqplib');
    const conn = await amqp.connect(TEST_AMQP_URL);
    try {
      await services.queue.publish('lab.start', { instanceId: 'prefixed' });
      const channel = await conn.createChannel();
      expect((await channel.checkQueue(`${prefix}lab.start`)).messageCount).toBe(1);
      const message = await channel.get(`${prefix}lab.start`, { noAck: true });
      expect(message && JSON.parse(message.content.toString())).toEqual({ instanceId: 'prefixed' });
      await channel.deleteQueue(`${prefix}lab.start`);
      for (const q of ['lab.deploy', 'lab.stop', 'lab.archive', 'lab.start']) await channel.deleteQueue(`${prefix}${q}.dead`);
      for (const q of ['lab.deploy', 'lab.stop', 'lab.archive']) await channel.deleteQueue(`${prefix}${q}`);
    } finally {
      await conn.close();
      await services.close();
    }
  });

  it('refuses LAB_RUNTIME=kubernetes with an unreadable KUBECONFIG with RUNTIME_UNAVAILABLE naming the variable, before opening anything', async () => {
    const dataDir = await tempDataDir();
    const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir, LAB_RUNTIME: 'kubernetes', KUBECONFIG: '/nonexistent/kubeconfig' });
    await expect(createServices(env, log)).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE', field: 'KUBECONFIG' });
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('fails with SERVICE_UNAVAILABLE and closes what it opened when a backing service is unreachable', async () => {
    const env = loadEnv({ AUTOLABS_DATA_DIR: await tempDataDir(), AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    // The embedded database is opened before the queue; if it were left open, reopening would fail.
    await expect(createServices(env, log)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const again = await createServices({ ...env, AMQP_URL: undefined }, log);
    await again.close();
  }, 120_000);
});
