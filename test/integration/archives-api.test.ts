/**
 * Archives through the API on the local runtime (Postgres, RabbitMQ, Redis, a directory object store,
 * bubblewrap sandboxes): the workers' archive step records the archive's checksum; the student downloads
 * it over HTTP; a teacher restores it into another instance; an archive that no longer matches its
 * checksum is refused by both. test/cluster/kubernetes-archives.test.ts shows the same on Kubernetes.
 */
import { createHash } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app';
import { callerFromUser } from '../../server/src/auth/caller';
import { SESSION_COOKIE } from '../../server/src/auth/cookie-session';
import { hashPassword } from '../../server/src/auth/password';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { LabConfigCache } from '../../server/src/labs/lab-config-cache';
import { parseLabConfig } from '../../server/src/labs/lab-config';
import { handleOf } from '../../server/src/runtime/runtime-handle';
import type { ApiServices } from '../../server/src/trpc/api-services';
import { createCaller } from '../../server/src/trpc/root';
import { archiveInstance } from '../../server/src/workers/steps/archive-instance';
import { startInstance } from '../../server/src/workers/steps/start-instance';
import { stopInstance } from '../../server/src/workers/steps/stop-instance';
import type { WorkerContext } from '../../server/src/workers/worker-context';
import { createWorkerFixture, labYaml, seedClassroom, seedDeployment, type Classroom, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';

const PASSWORD = 'archives api password';
const YAML = labYaml('archive-lab');
const config = parseLabConfig(YAML);
const log = silentLogger();

let fx: WorkerFixture;
let room: Classroom;
let ctx: WorkerContext;
let api: ApiServices;
let app: Awaited<ReturnType<typeof buildApp>>;

beforeAll(async () => {
  fx = await createWorkerFixture('archives_api');
  room = await seedClassroom(fx, YAML, 2);
  await fx.services.db.prisma.user.updateMany({ data: { passwordHash: await hashPassword(PASSWORD) } });
  await fx.services.objectStore.ensureBucket(fx.env.S3_BUCKET_VOLUMES);
  ctx = { services: fx.services, log, configs: new LabConfigCache(fx.services.objectStore, fx.env.S3_BUCKET_CONFIGS), maxAttempts: 3, archiveAfterMs: 7 * 24 * 3600 * 1000 };
  const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  api = { ...fx.services, ticketKeys: { privateKey: keys.privateKey, publicKey: keys.publicKey } };
  app = await buildApp(api);
});

afterAll(async () => {
  await app?.close();
  await fx?.close();
});

const row = (id: string) => fx.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id } });
const handle = async (id: string) => handleOf(await row(id));
const sh = async (id: string, script: string) => fx.services.runtime.exec(await handle(id), config, ['/bin/sh', '-c', script]);

async function runningInstance(owner: string): Promise<string> {
  const dep = await seedDeployment(fx, room, { owners: [owner] });
  expect(await startInstance(ctx, dep.instances[0].id)).toBe('started');
  return dep.instances[0].id;
}

async function cookieOf(userId: string): Promise<string> {
  const user = await fx.services.db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: PASSWORD } });
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`no session cookie for ${user.username}: HTTP ${res.statusCode}`);
  return `${cookie.name}=${cookie.value}`;
}

async function callerOf(userId: string) {
  const user = await fx.services.db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
  return createCaller({ services: api, caller: callerFromUser(user, 'session'), authError: null, requestId: 'test', log });
}

describe('archives through the API (local runtime)', () => {
  let archivedId = '';
  let stored: Buffer = Buffer.alloc(0);

  it('archives with the checksum of the stored tar.gz, and lists it among the student\'s archived labs', async () => {
    archivedId = await runningInstance(room.studentIds[0]);
    expect((await sh(archivedId, 'mkdir -p project && echo "my answer" > project/answer.txt')).exitCode).toBe(0);
    expect(await archiveInstance(ctx, archivedId)).toBe('archived');
    const r = await row(archivedId);
    stored = await fx.services.objectStore.get(fx.env.S3_BUCKET_VOLUMES, r.archiveKey!);
    expect(r.archiveSha256).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(r.archiveSize).toBe(BigInt(stored.length));

    const mine = await (await callerOf(room.studentIds[0])).instances.archived();
    expect(mine.map((i) => [i.id, i.archive])).toEqual([
      [archivedId, { sha256: r.archiveSha256, size: stored.length, downloadPath: `/api/instances/${archivedId}/archive` }],
    ]);
    expect(await (await callerOf(room.studentIds[1])).instances.archived()).toEqual([]);
  });

  it('serves the download to the student and the teacher, byte for byte with its digest, and to nobody else', async () => {
    const url = `/api/instances/${archivedId}/archive`;
    for (const who of [room.studentIds[0], room.teacherId]) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: await cookieOf(who) } });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(stored)).toBe(true);
      expect(res.headers['repr-digest']).toBe(`sha-256=:${createHash('sha256').update(stored).digest('base64')}:`);
    }
    const other = await app.inject({ method: 'GET', url, headers: { cookie: await cookieOf(room.studentIds[1]) } });
    expect([other.statusCode, other.json()]).toEqual([403, expect.objectContaining({ code: 'FORBIDDEN', field: 'id' })]);
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const bad = await app.inject({ method: 'GET', url: '/api/instances/not-an-id/archive', headers: { cookie: await cookieOf(room.studentIds[0]) } });
    expect([bad.statusCode, bad.json()]).toEqual([400, expect.objectContaining({ code: 'BAD_INPUT', field: 'id' })]);
    const downloads = await fx.services.db.prisma.auditLog.count({ where: { action: 'lab.instance.archive.download', targetId: archivedId } });
    expect(downloads).toBe(2);
  });

  it('restores the archive, for a teacher, into a stopped instance, where the student finds the files', async () => {
    const into = await runningInstance(room.studentIds[0]);
    const teacher = await callerOf(room.teacherId);
    await expect(teacher.instances.restore({ id: into, fromId: archivedId })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await stopInstance(ctx, into, 'teacher')).toBe('stopped');
    await expect((await callerOf(room.studentIds[0])).instances.restore({ id: into, fromId: archivedId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await teacher.instances.restore({ id: into, fromId: archivedId });
    expect(await startInstance(ctx, into)).toBe('started');
    expect(await sh(into, 'cat project/answer.txt')).toEqual({ exitCode: 0, stdout: 'my answer\n', stderr: '' });
  });

  it('refuses to hand out or restore an archive that no longer matches its checksum (ARCHIVE_CORRUPT)', async () => {
    const key = (await row(archivedId)).archiveKey!;
    await fx.services.objectStore.put(fx.env.S3_BUCKET_VOLUMES, key, stored.subarray(0, stored.length - 10));
    try {
      const res = await app.inject({ method: 'GET', url: `/api/instances/${archivedId}/archive`, headers: { cookie: await cookieOf(room.studentIds[0]) } });
      expect([res.statusCode, res.json().code]).toEqual([422, 'ARCHIVE_CORRUPT']);
      const into = await runningInstance(room.studentIds[1]);
      expect(await stopInstance(ctx, into, 'teacher')).toBe('stopped');
      await expect((await callerOf(room.teacherId)).instances.restore({ id: into, fromId: archivedId })).rejects.toMatchObject({ cause: { code: 'ARCHIVE_CORRUPT' } });
    } finally {
      await fx.services.objectStore.put(fx.env.S3_BUCKET_VOLUMES, key, stored);
    }
  });
});
