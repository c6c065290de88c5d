/**
 * Periodic worker jobs against the real services: TTL expiry, idle culling from session-store activity,
 * and archiving of instances stopped longer than the retention period. Times are moved in the database
 * rows (not faked clocks), and the workers run their periodic jobs every 200 ms.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../server/src/workers';
import type { Disposable } from '@autolabs/common/disposable';
import type { SessionRecord } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { handleOf } from '../../server/src/runtime/runtime-handle';
import { createWorkerFixture, labYaml, seedClassroom, seedDeployment, type Classroom, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

describe('workers: periodic jobs (Postgres, RabbitMQ, Redis, bubblewrap)', () => {
  let fx: WorkerFixture;
  let room: Classroom;
  let workers: Disposable;
  const prisma = () => fx.services.db.prisma;
  const instance = (id: string) => prisma().labInstance.findUniqueOrThrow({ where: { id } });

  async function runningInstance(owner: string): Promise<string> {
    const dep = await seedDeployment(fx, room, { owners: [owner] });
    const id = dep.instances[0].id;
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('instance running', async () => (await instance(id)).status === 'running', 20_000);
    return id;
  }

  beforeAll(async () => {
    fx = await createWorkerFixture('workers_periodic');
    room = await seedClassroom(fx, labYaml('periodic-lab', { ttl: '4h', idleTimeout: '30m' }), 2);
    workers = await startWorkers(fx.services, { log: silentLogger(), periodicIntervalMs: 200 });
  });

  afterAll(async () => {
    await workers?.dispose();
    await fx?.close();
  });

  it('stops a running instance once its TTL has passed, with reason ttl', async () => {
    const id = await runningInstance(room.studentIds[0]);
    await prisma().labInstance.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await waitFor('instance stopped by TTL', async () => (await instance(id)).status === 'stopped', 10_000);
    const row = await instance(id);
    expect(row.statusReason).toBe('stopped: ttl');
    expect(await fx.services.runtime.status(handleOf(row))).toEqual({ phase: 'stopped' });
  });

  it('culls an instance idle past idleTimeout but keeps one whose terminal session saw recent input', async () => {
    const idle = await runningInstance(room.studentIds[0]);
    const busy = await runningInstance(room.studentIds[1]);
    const longAgo = new Date(Date.now() - 2 * HOUR);
    // The session exists before the rows look old, so the culler never sees the busy instance without it.
    const now = Date.now();
    const session: SessionRecord = {
      id: `term-${busy}`, ownerId: room.studentIds[1], labInstanceId: busy, courseId: room.courseId, gatewayId: 'gw-1', state: 'live',
      clients: [], controlGrantedTo: [], recording: false, createdAt: longAgo.getTime(), lastInputAt: now, lastOutputAt: longAgo.getTime(), heartbeatAt: now,
    };
    await fx.services.sessionStore.put(session);
    for (const id of [idle, busy]) {
      await prisma().labInstance.update({ where: { id }, data: { startedAt: longAgo, lastActivityAt: longAgo, expiresAt: new Date(Date.now() + HOUR) } });
    }
    await waitFor('idle instance culled', async () => (await instance(idle)).status === 'stopped', 10_000);
    await waitFor('busy instance activity copied from its session', async () => (await instance(busy)).lastActivityAt?.getTime() === now, 10_000);
    expect((await instance(idle)).statusReason).toBe('stopped: idle');
    expect((await instance(busy)).status).toBe('running');
  });

  it('archives instances stopped longer than the retention (7 days) and leaves recently stopped ones', async () => {
    const old = await runningInstance(room.studentIds[0]);
    const recent = await runningInstance(room.studentIds[1]);
    for (const id of [old, recent]) {
      await fx.services.queue.publish('lab.stop', { instanceId: id, reason: 'user' });
      await waitFor('instance stopped', async () => (await instance(id)).status === 'stopped', 20_000);
    }
    await prisma().labInstance.update({ where: { id: recent }, data: { stoppedAt: new Date(Date.now() - 6 * DAY) } });
    await prisma().labInstance.update({ where: { id: old }, data: { stoppedAt: new Date(Date.now() - 8 * DAY) } });
    await waitFor('old instance archived', async () => (await instance(old)).status === 'archived', 10_000);
    const row = await instance(old);
    expect(await fx.services.objectStore.list(fx.env.S3_BUCKET_VOLUMES, row.archiveKey!)).toHaveLength(1);
    expect(fs.existsSync(path.join(fx.names.dataDir, 'labs', old))).toBe(false);
    expect((await instance(recent)).status).toBe('stopped');
    expect(fs.existsSync(path.join(fx.names.dataDir, 'labs', recent, 'home'))).toBe(true);
  });

  it("runs the runtime's housekeeping (the local runtime's image prune) with the other periodic jobs", async () => {
    const runtime = fx.services.runtime;
    const own = runtime.housekeeping;
    let calls = 0;
    runtime.housekeeping = async () => {
      calls += 1;
      await own?.call(runtime);
    };
    try {
      await waitFor('two housekeeping runs', () => calls >= 2, 10_000);
    } finally {
      runtime.housekeeping = own;
    }
  });
});
