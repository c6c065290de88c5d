/**
 * The same worker steps on the embedded implementations an `npm start` install uses: PGlite, the
 * in-process job queue and session store, a directory object store, and bubblewrap. Guards the SQL the
 * steps use (row locks, interactive transactions) against the embedded database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '@autolabs/common/config/env';
import { createDatabase } from '../../server/src/infra/database/open-database';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { MemoryJobQueue } from '../../server/src/infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import type { Disposable } from '@autolabs/common/disposable';
import { LocalRuntime } from '../../server/src/runtime/local/local-runtime';
import { startWorkers, type WorkerServices } from '../../server/src/workers';
import { labYaml } from '../../server/src/workers/testing/worker-fixture';
import { parseLabConfig } from '../../server/src/labs/lab-config';
import { labOwner } from '../../server/src/labs/lab-owner';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

describe('workers on the embedded services (PGlite, in-process queue)', () => {
  let dataDir: string;
  let services: WorkerServices;
  let workers: Disposable;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-workers-embedded-'));
    const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOCAL_LAB_IMAGES: 'host' });
    const log = silentLogger();
    services = {
      env,
      db: await createDatabase(env, log),
      objectStore: new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }),
      queue: new MemoryJobQueue(),
      sessionStore: new MemorySessionStore(),
      runtime: new LocalRuntime({ dataDir, log }),
    };
    await services.objectStore.ensureBucket(env.S3_BUCKET_CONFIGS);
    workers = await startWorkers(services, { log, periodicIntervalMs: 0 });
  });

  afterAll(async () => {
    await workers?.dispose();
    await services?.queue.close();
    await services?.db.close();
    removeDataDir(dataDir);
  });

  it('deploys a per-student lab without instance rows, stops and archives it', async () => {
    const { prisma } = services.db;
    const yaml = labYaml('embedded-lab');
    const sha256 = createHash('sha256').update(yaml).digest('hex');
    await services.objectStore.put(services.env.S3_BUCKET_CONFIGS, `sha256/${sha256}.yaml`, yaml);
    const teacher = await prisma.user.create({ data: { username: 'teacher', displayName: 'T', role: 'teacher' } });
    const student = await prisma.user.create({ data: { username: 'student', displayName: 'S', role: 'student' } });
    const course = await prisma.course.create({ data: { code: 'EMB', title: 'Embedded' } });
    await prisma.courseMember.createMany({ data: [{ courseId: course.id, userId: teacher.id, role: 'teacher' }, { courseId: course.id, userId: student.id, role: 'student' }] });
    const config = await prisma.labConfig.create({ data: { owner: labOwner({ courseId: null, createdById: teacher.id }), name: 'embedded-lab', version: 1, title: 'E', objectKey: `sha256/${sha256}.yaml`, sha256, createdById: teacher.id } });
    const dep = await prisma.labDeployment.create({ data: { labConfigId: config.id, courseId: course.id, mode: 'per_student', createdById: teacher.id } });

    await services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('instance running', async () => (await prisma.labInstance.count({ where: { deploymentId: dep.id, status: 'running' } })) === 1, 20_000);
    const [inst] = await prisma.labInstance.findMany({ where: { deploymentId: dep.id } });
    expect(inst.ownerUserId).toBe(student.id);

    await services.queue.publish('lab.stop', { instanceId: inst.id, reason: 'user' });
    await waitFor('instance stopped', async () => (await prisma.labInstance.findUniqueOrThrow({ where: { id: inst.id } })).status === 'stopped', 20_000);
    expect((await prisma.labDeployment.findUniqueOrThrow({ where: { id: dep.id } })).status).toBe('stopped');

    await services.queue.publish('lab.archive', { instanceId: inst.id });
    await waitFor('instance archived', async () => (await prisma.labInstance.findUniqueOrThrow({ where: { id: inst.id } })).status === 'archived', 20_000);
    const archived = await services.objectStore.list(services.env.S3_BUCKET_VOLUMES, `${dep.id}/`);
    expect(archived.map((o) => o.key)).toEqual([`${dep.id}/${inst.id}.tar.gz`]);
  });

  it('after a crash that lost the in-process queue, restarted workers finish the starts and stops the rows still owe', async () => {
    const { prisma } = services.db;
    await workers.dispose();
    const teacher = await prisma.user.findUniqueOrThrow({ where: { username: 'teacher' } });
    const student = await prisma.user.findUniqueOrThrow({ where: { username: 'student' } });
    const config = await prisma.labConfig.findFirstOrThrow({ where: { name: 'embedded-lab' } });
    // Rows as a crash leaves them: one instance mid-start, one running instance the API asked to stop.
    const dep = await prisma.labDeployment.create({
      data: { labConfigId: config.id, mode: 'per_student', status: 'running', createdById: teacher.id, instances: { create: [{ ownerUserId: student.id, status: 'starting' }, { ownerUserId: student.id }] } },
      include: { instances: true },
    });
    const [midStart, toStop] = dep.instances;
    const handle = await services.runtime.start({ instanceId: toStop.id, ownerKey: 'u-student', labKey: 'embedded-lab', config: parseLabConfig(labYaml('embedded-lab')) });
    await prisma.labInstance.update({ where: { id: toStop.id }, data: { status: 'stopping', runtimeHandle: JSON.parse(JSON.stringify(handle)) } });

    await services.queue.close();
    services.queue = new MemoryJobQueue();
    workers = await startWorkers(services, { log: silentLogger(), periodicIntervalMs: 0 });
    const status = async (id: string) => (await prisma.labInstance.findUniqueOrThrow({ where: { id } })).status;
    await waitFor('mid-start instance running', async () => (await status(midStart.id)) === 'running', 20_000);
    await waitFor('stopping instance stopped', async () => (await status(toStop.id)) === 'stopped', 20_000);
    expect(await services.runtime.status(handle)).toEqual({ phase: 'stopped' });
  });
});
