/**
 * Lab lifecycles through the workers against the real services: Postgres, RabbitMQ, Redis, a directory
 * object store and bubblewrap sandboxes. Jobs are published exactly as the API publishes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'tar';
import { startWorkers } from '../../server/src/workers';
import { LabConfigCache } from '../../server/src/labs/lab-config-cache';
import { startInstance } from '../../server/src/workers/steps/start-instance';
import type { WorkerContext } from '../../server/src/workers/worker-context';
import { parseLabConfig } from '../../server/src/labs/lab-config';
import { labOwner } from '../../server/src/labs/lab-owner';
import type { Disposable } from '@autolabs/common/disposable';
import { SESSION_CONTROL_CHANNEL, type SessionRecord } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import type { LabRuntime } from '../../server/src/runtime/lab-runtime';
import { handleOf } from '../../server/src/runtime/runtime-handle';
import { createWorkerFixture, labYaml, seedClassroom, seedDeployment, type Classroom, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';

function tarEntries(archive: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  const parser = new Parser({
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => files.set(entry.path, Buffer.concat(chunks).toString('utf8')));
    },
  });
  parser.end(gunzipSync(archive));
  return files;
}

describe('workers: lab lifecycle (Postgres, RabbitMQ, Redis, bubblewrap)', () => {
  let fx: WorkerFixture;
  let room: Classroom;
  let workers: Disposable;
  const prisma = () => fx.services.db.prisma;
  const instance = (id: string) => prisma().labInstance.findUniqueOrThrow({ where: { id } });
  const startAudits = (id: string) => prisma().auditLog.count({ where: { action: 'lab.instance.start', targetId: id, outcome: 'success' } });

  beforeAll(async () => {
    fx = await createWorkerFixture('workers_life');
    room = await seedClassroom(fx, labYaml('life-lab', { ttl: '2h' }), 3);
    // prefetch 1: one job at a time per queue, so "a later job is done" means the earlier ones are too.
    workers = await startWorkers(fx.services, { log: silentLogger(), maxAttempts: 2, prefetch: 1, periodicIntervalMs: 0 });
  });

  afterAll(async () => {
    await workers?.dispose();
    await fx?.close();
  });

  it('deploy moves every pending instance to running with a runtime handle, startedAt and expiresAt = startedAt + ttl', async () => {
    const dep = await seedDeployment(fx, room, { owners: room.studentIds.slice(0, 2) });
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('both instances running', async () => (await prisma().labInstance.count({ where: { deploymentId: dep.id, status: 'running' } })) === 2, 20_000);
    for (const { id } of dep.instances) {
      const row = await instance(id);
      expect(row.runtimeHandle).toMatchObject({ runtime: 'local', instanceId: id });
      expect(row.expiresAt!.getTime() - row.startedAt!.getTime()).toBe(2 * 3600 * 1000);
      expect(await fx.services.runtime.status(handleOf(row))).toEqual({ phase: 'running' });
      expect(await startAudits(id)).toBe(1);
    }
    expect((await prisma().labDeployment.findUniqueOrThrow({ where: { id: dep.id } })).status).toBe('running');
  });

  it('a redelivered deploy and repeated start jobs converge: still running, started exactly once', async () => {
    const dep = await seedDeployment(fx, room, { owners: [room.studentIds[2]] });
    const [only] = dep.instances;
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('instance running', async () => (await instance(only.id)).status === 'running', 20_000);
    const first = await instance(only.id);
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await fx.services.queue.publish('lab.start', { instanceId: only.id });
    await fx.services.queue.publish('lab.start', { instanceId: only.id });
    const marker = await seedDeployment(fx, room, { owners: [room.studentIds[0]] });
    await fx.services.queue.publish('lab.start', { instanceId: marker.instances[0].id });
    await waitFor('marker instance running', async () => (await instance(marker.instances[0].id)).status === 'running', 20_000);
    const after = await instance(only.id);
    expect(after.status).toBe('running');
    expect(after.startedAt).toEqual(first.startedAt);
    expect(await startAudits(only.id)).toBe(1);
    expect(await prisma().labInstance.count({ where: { deploymentId: dep.id } })).toBe(1);
  });

  it('duplicate lab.start deliveries racing each other leave the instance running on its sandbox', async () => {
    const dep = await seedDeployment(fx, room, { owners: [room.studentIds[1]] });
    const [only] = dep.instances;
    const ctx: WorkerContext = {
      services: fx.services,
      log: silentLogger(),
      configs: new LabConfigCache(fx.services.objectStore, fx.services.env.S3_BUCKET_CONFIGS),
      maxAttempts: 2,
      archiveAfterMs: 7 * 24 * 3600 * 1000,
    };
    const outcomes = await Promise.all([startInstance(ctx, only.id), startInstance(ctx, only.id), startInstance(ctx, only.id)]);
    expect(outcomes).toContain('started');
    expect(outcomes).not.toContain('skipped');
    const row = await instance(only.id);
    expect(row.status).toBe('running');
    expect(await fx.services.runtime.status(handleOf(row))).toEqual({ phase: 'running' });
  });

  it('shows start progress (such as an image pull) on the instance while it starts, and clears it once running', async () => {
    const dep = await seedDeployment(fx, room, { owners: [room.studentIds[2]] });
    const [only] = dep.instances;
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    // The real runtime, whose start first reports a pull and then waits for the test.
    const pulling: LabRuntime = Object.assign(Object.create(fx.services.runtime) as LabRuntime, {
      async start(req: Parameters<LabRuntime['start']>[0], onProgress?: Parameters<LabRuntime['start']>[1]) {
        onProgress?.({ at: Date.now(), message: 'shell: autolabs/linux-basics:latest: pulling 3/7 layers' });
        await released;
        return fx.services.runtime.start(req, onProgress);
      },
    });
    const ctx: WorkerContext = {
      services: { ...fx.services, runtime: pulling },
      log: silentLogger(),
      configs: new LabConfigCache(fx.services.objectStore, fx.services.env.S3_BUCKET_CONFIGS),
      maxAttempts: 2,
      archiveAfterMs: 7 * 24 * 3600 * 1000,
    };
    const started = startInstance(ctx, only.id);
    await waitFor('the progress on the instance', async () => (await instance(only.id)).statusReason === 'shell: autolabs/linux-basics:latest: pulling 3/7 layers');
    expect((await instance(only.id)).status).toBe('starting');
    release();
    expect(await started).toBe('started');
    expect(await instance(only.id)).toMatchObject({ status: 'running', statusReason: null });
  });

  it('a deployment without instance rows gets one per course student, per group, or one shared', async () => {
    const perStudent = await seedDeployment(fx, room, { mode: 'per_student' });
    const perGroup = await seedDeployment(fx, room, { mode: 'per_group' });
    const shared = await seedDeployment(fx, room, { mode: 'shared' });
    for (const d of [perStudent, perGroup, shared]) await fx.services.queue.publish('lab.deploy', { deploymentId: d.id });
    const running = (deploymentId: string) => prisma().labInstance.findMany({ where: { deploymentId, status: 'running' } });
    await waitFor('all instances of the three deployments running', async () => {
      const counts = await Promise.all([perStudent, perGroup, shared].map(async (d) => (await running(d.id)).length));
      return counts.join(',') === '3,2,1';
    }, 30_000);
    expect((await running(perStudent.id)).map((i) => i.ownerUserId).sort()).toEqual([...room.studentIds].sort());
    expect((await running(perGroup.id)).map((i) => i.groupId).sort()).toEqual([...room.groupIds].sort());
    expect((await running(shared.id)).map((i) => [i.ownerUserId, i.groupId])).toEqual([[null, null]]);
  });

  it('a lab config that no longer validates fails the deployment and its instances with the reason', async () => {
    const broken = await prisma().labConfig.create({
      data: { owner: labOwner({ courseId: null, createdById: room.teacherId }), name: 'broken', version: 1, title: 'b', objectKey: 'sha256/broken.yaml', sha256: 'x', createdById: room.teacherId },
    });
    await fx.services.objectStore.put(fx.env.S3_BUCKET_CONFIGS, 'sha256/broken.yaml', 'apiVersion: autolabs.io/v1\nkind: Lab\n');
    const dep = await prisma().labDeployment.create({
      data: { labConfigId: broken.id, courseId: room.courseId, mode: 'per_student', createdById: room.teacherId, instances: { create: [{ ownerUserId: room.studentIds[0] }] } },
      include: { instances: true },
    });
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('deployment failed', async () => (await prisma().labDeployment.findUniqueOrThrow({ where: { id: dep.id } })).status === 'failed');
    const row = await instance(dep.instances[0].id);
    expect(row.status).toBe('failed');
    expect(row.statusReason).toContain('lab config is invalid');
  });

  it('stop ends the sandbox, asks gateways to close live sessions, records stoppedAt and the reason, and stops the deployment with its last instance', async () => {
    const dep = await seedDeployment(fx, room, { owners: [room.studentIds[0]] });
    const id = dep.instances[0].id;
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('instance running', async () => (await instance(id)).status === 'running', 20_000);
    const now = Date.now();
    const session: SessionRecord = {
      id: `term-${id}`, ownerId: room.studentIds[0], labInstanceId: id, courseId: room.courseId, gatewayId: 'gw-1', state: 'live',
      clients: [], controlGrantedTo: [], recording: false, createdAt: now, lastInputAt: now, lastOutputAt: now, heartbeatAt: now,
    };
    await fx.services.sessionStore.put(session);
    const kills: unknown[] = [];
    const sub = await fx.services.sessionStore.subscribe(SESSION_CONTROL_CHANNEL, (m) => kills.push(m));
    await prisma().labInstance.update({ where: { id }, data: { status: 'stopping' } });
    await fx.services.queue.publish('lab.stop', { instanceId: id, reason: 'teacher' });
    await waitFor('instance stopped', async () => (await instance(id)).status === 'stopped', 20_000);
    await waitFor('kill message received', () => kills.length > 0);
    await sub.dispose();
    const row = await instance(id);
    expect(row.stoppedAt).not.toBeNull();
    expect(row.statusReason).toBe('stopped: teacher');
    expect(kills).toEqual([{ type: 'kill', sessionId: session.id, by: 'system:teacher' }]);
    expect(await fx.services.runtime.status(handleOf(row))).toEqual({ phase: 'stopped' });
    expect((await prisma().labDeployment.findUniqueOrThrow({ where: { id: dep.id } })).status).toBe('stopped');
  });

  it('start on a stopped instance restarts it with the same home', async () => {
    const dep = await seedDeployment(fx, room, { owners: [room.studentIds[1]] });
    const id = dep.instances[0].id;
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('instance running', async () => (await instance(id)).status === 'running', 20_000);
    const handle = handleOf(await instance(id));
    const config = parseLabConfig(labYaml('life-lab'));
    await fx.services.runtime.exec(handle, config, ['/bin/sh', '-c', 'echo keep > ~/keep.txt']);
    await fx.services.queue.publish('lab.stop', { instanceId: id, reason: 'user' });
    await waitFor('instance stopped', async () => (await instance(id)).status === 'stopped', 20_000);
    expect((await prisma().labDeployment.findUniqueOrThrow({ where: { id: dep.id } })).status).toBe('stopped');
    await fx.services.queue.publish('lab.start', { instanceId: id });
    await waitFor('instance running again', async () => (await instance(id)).status === 'running', 20_000);
    expect((await prisma().labDeployment.findUniqueOrThrow({ where: { id: dep.id } })).status).toBe('running');
    const again = await fx.services.runtime.exec(handle, config, ['cat', 'keep.txt']);
    expect(again).toEqual({ exitCode: 0, stdout: 'keep\n', stderr: '' });
  });

  it('archive uploads <deploymentId>/<instanceId>.tar.gz with the home, then destroys the home and marks archived', async () => {
    const dep = await seedDeployment(fx, room, { owners: [room.studentIds[0]] });
    const id = dep.instances[0].id;
    await fx.services.queue.publish('lab.deploy', { deploymentId: dep.id });
    await waitFor('instance running', async () => (await instance(id)).status === 'running', 20_000);
    const home = path.join(fx.names.dataDir, 'labs', id, 'home');
    fs.mkdirSync(path.join(home, 'project'));
    fs.writeFileSync(path.join(home, 'project', 'answer.txt'), '42\n');
    await fx.services.queue.publish('lab.archive', { instanceId: id });
    await waitFor('instance archived', async () => (await instance(id)).status === 'archived', 20_000);
    const row = await instance(id);
    const key = `${dep.id}/${id}.tar.gz`;
    expect(row.archiveKey).toBe(key);
    expect(row.archivedAt).not.toBeNull();
    expect(row.stoppedAt).not.toBeNull();
    const files = tarEntries(await fx.services.objectStore.get(fx.env.S3_BUCKET_VOLUMES, key));
    expect(files.get('./project/answer.txt')).toBe('42\n');
    expect(fs.existsSync(home)).toBe(false);
    await fx.services.queue.publish('lab.archive', { instanceId: id });
    const marker = await seedDeployment(fx, room, { owners: [room.studentIds[1]] });
    await fx.services.queue.publish('lab.archive', { instanceId: marker.instances[0].id });
    await waitFor('marker archived', async () => (await instance(marker.instances[0].id)).status === 'archived', 20_000);
    expect((await instance(id)).archiveKey).toBe(key);
  });

  it('a malformed job ends in the dead-letter list instead of crashing the worker', async () => {
    await fx.services.queue.publish('lab.stop', { instanceId: 'not-a-uuid', reason: 'user' });
    await waitFor('dead letter', async () => (await fx.services.queue.deadLetters('lab.stop')).length === 1, 15_000);
    const [dead] = await fx.services.queue.deadLetters('lab.stop');
    expect(dead.payload).toEqual({ instanceId: 'not-a-uuid', reason: 'user' });
    expect(dead.error).toContain('malformed lab.stop job');
  });
});
