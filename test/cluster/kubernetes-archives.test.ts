/**
 * Storage and archives on the real node: the bundled linux-basics lab runs on the KubernetesRuntime with a
 * local-path PVC, driven by the workers' own steps (start, stop, archive) on a fresh Postgres database, with
 * the real MinIO as the volumes bucket and the API (buildApp, app.inject) for the download and the restore.
 * The storage pod that reads and fills PVCs runs our base image from the node's registry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CoreV1Api } from '@kubernetes/client-node';
import { generateKeyPair } from 'jose';
import pino from 'pino';
import { Parser } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app';
import { hashPassword } from '../../server/src/auth/password';
import { callerFromUser } from '../../server/src/auth/caller';
import { SESSION_COOKIE } from '../../server/src/auth/cookie-session';
import { loadEnv, type Env } from '@autolabs/common/config/env';
import type { Database } from '../../server/src/infra/database/database';
import { createDatabase } from '../../server/src/infra/database/open-database';
import { createFreshPostgres, type FreshDatabase } from '../../server/src/infra/database/testing/fresh-postgres';
import { MinioObjectStore } from '@autolabs/common/object-store/minio-object-store';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { MemoryJobQueue } from '../../server/src/infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { LabConfigCache } from '../../server/src/labs/lab-config-cache';
import { parseLabConfig, type LabConfig } from '../../server/src/labs/lab-config';
import { handleOf } from '../../server/src/runtime/runtime-handle';
import { KubernetesRuntime } from '../../server/src/runtime/kubernetes/kubernetes-runtime';
import { kubernetesHandleOf, type KubernetesHandle } from '../../server/src/runtime/kubernetes/kube-handle';
import { makeStoragePod, storagePodName } from '../../server/src/runtime/kubernetes/manifests/storage-pod';
import { createCaller } from '../../server/src/trpc/root';
import type { ApiServices } from '../../server/src/trpc/api-services';
import { archiveStoppedInstances } from '../../server/src/workers/periodic/archive-stopped';
import { archiveInstance } from '../../server/src/workers/steps/archive-instance';
import { startInstance } from '../../server/src/workers/steps/start-instance';
import { stopInstance } from '../../server/src/workers/steps/stop-instance';
import type { WorkerContext } from '../../server/src/workers/worker-context';
import { seedClassroom, seedDeployment, type Classroom, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';
import { buildImages } from '../integration/lab-image-fixture';
import { clusterEnv } from './cluster-env';
import { REAL_NODE_NAME, REAL_NODE_TAINT_KEY } from './kube/real-node';
import { createTestNamespace, loadKubeConfig } from './kube/test-namespace';
import { waitFor } from './kube/wait-for';

const cluster = clusterEnv();
const kc = loadKubeConfig(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
/** What the runtime logged (which node each lab pod and storage pod ran on). */
const logged: { msg?: string; node?: string; transfer?: string; instanceId?: string }[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) });
const suffix = randomBytes(3).toString('hex');
const LAB = 'linux-basics';

let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let fresh: FreshDatabase;
let db: Database;
let env: Env;
let dataDir: string;
let minio: MinioObjectStore;
let runtime: KubernetesRuntime;
let ctx: WorkerContext;
let api: ApiServices;
let room: Classroom;
let config: LabConfig;
/** Hooks into the object store the workers use, to look at the cluster while the archive is being made. */
let onArchiveRead: ((key: string) => Promise<void>) | null = null;

function minioStore(secretKey = cluster.s3SecretKey): MinioObjectStore {
  return new MinioObjectStore({ endpoint: cluster.s3Endpoint, accessKey: cluster.s3AccessKey, secretKey, region: 'us-east-1' });
}

/** The store the workers see: MinIO, telling the test when the archive step reads an archive back. */
function watchedStore(inner: ObjectStore): ObjectStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'getStream') {
        return async (bucket: string, key: string) => {
          await onArchiveRead?.(key);
          return target.getStream(bucket, key);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

beforeAll(async () => {
  // The lab image and the storage pod's base image into the node's registry (cached: seconds).
  await buildImages({ LAB_IMAGE_REGISTRY: cluster.labImageRegistry, LAB_IMAGE_REGISTRY_INSECURE: '1' });
  ns = await createTestNamespace(kc, 'archives');
  fresh = await createFreshPostgres('k8s_archives');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-k8s-archives-'));
  env = loadEnv({
    DATABASE_URL: fresh.url,
    AUTOLABS_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    S3_BUCKET_VOLUMES: `volumes-${suffix}`,
    S3_BUCKET_CONFIGS: `configs-${suffix}`,
  });
  db = await createDatabase(env, log);
  minio = minioStore();
  await minio.ensureBucket(env.S3_BUCKET_VOLUMES);
  await minio.ensureBucket(env.S3_BUCKET_CONFIGS);
  runtime = new KubernetesRuntime({
    kubeConfig: kc,
    namespace: ns.name,
    log,
    storageClassName: 'local-path',
    pod: {
      nodeSelector: { 'kubernetes.io/hostname': REAL_NODE_NAME },
      tolerations: [{ key: REAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
      imageRewrites: [{ from: 'docker.io/autolabs/', to: `${cluster.labImageRegistry}/autolabs/` }],
    },
  });
  const services = { env, db, objectStore: watchedStore(minio), queue: new MemoryJobQueue(), sessionStore: new MemorySessionStore(), runtime };
  ctx = { services, log, configs: new LabConfigCache(services.objectStore, env.S3_BUCKET_CONFIGS), maxAttempts: 3, archiveAfterMs: 7 * 24 * 3600 * 1000 };
  const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  api = { ...services, objectStore: minio, ticketKeys: { privateKey: keys.privateKey, publicKey: keys.publicKey } };
  const yaml = readFileSync(path.resolve(__dirname, `../../lab-configs/${LAB}.yaml`), 'utf8');
  config = parseLabConfig(yaml);
  const fx = { env, services, names: { databaseUrl: fresh.url, dataDir, queuePrefix: '', redisPrefix: '' }, close: async () => {} } satisfies WorkerFixture;
  room = await seedClassroom(fx, yaml, 2);
  const passwordHash = await hashPassword(PASSWORD);
  await db.prisma.user.updateMany({ data: { passwordHash } });
}, 1_800_000);

afterAll(async () => {
  // Instances still holding storage are destroyed; the namespace goes with everything else in it.
  const rows = (await db?.prisma.labInstance.findMany({ where: { status: { not: 'archived' } } })) ?? [];
  for (const r of rows) if (r.runtimeHandle) await runtime.destroy(handleOf(r)).catch(() => undefined);
  await ns?.remove();
  for (const bucket of [env?.S3_BUCKET_VOLUMES, env?.S3_BUCKET_CONFIGS]) {
    if (!bucket) continue;
    for (const o of await minio.list(bucket).catch(() => [])) await minio.delete(bucket, o.key);
  }
  await db?.close();
  await fresh?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 300_000);

const PASSWORD = 'archive test password';
const instanceRow = (id: string) => db.prisma.labInstance.findUniqueOrThrow({ where: { id } });
const handleOfRow = async (id: string) => kubernetesHandleOf(handleOf(await instanceRow(id)));

async function pvcExists(h: KubernetesHandle): Promise<boolean> {
  const list = await core.listNamespacedPersistentVolumeClaim({ namespace: h.namespace, fieldSelector: `metadata.name=${h.pvc}` });
  return list.items.length === 1;
}

async function storagePods(): Promise<string[]> {
  const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=lab-storage' });
  return pods.items.map((p) => p.metadata?.name ?? '');
}

async function newRunningInstance(owner: string): Promise<string> {
  const dep = await seedDeployment({ env, services: ctx.services } as WorkerFixture, room, { owners: [owner] });
  const id = dep.instances[0].id;
  expect(await startInstance(ctx, id)).toBe('started');
  expect((await instanceRow(id)).status).toBe('running');
  return id;
}

async function sh(id: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runtime.exec(await handleOfRow(id), config, ['bash', '-c', script]);
}

/** The student's work: a private file, a symlink, a directory and 256 KiB of random bytes. */
const STUDENT_WORK = [
  'mkdir -p ~/project ~/answers',
  'echo "hello linux" > ~/project/notes.txt && chmod 600 ~/project/notes.txt',
  'ln -s notes.txt ~/project/latest',
  'grep -c tcp /etc/services > ~/answers/tcp-count.txt',
  'head -c 262144 /dev/urandom > ~/blob.bin',
  'sha256sum ~/blob.bin | cut -d" " -f1',
].join(' && ');

const CHECK_WORK = 'cat ~/project/notes.txt; readlink ~/project/latest; stat -c "%a %U" ~/project/notes.txt; sha256sum ~/blob.bin | cut -d" " -f1';

interface TarEntry {
  type: string;
  body: Buffer;
  linkpath?: string;
}

function tarEntries(tar: Buffer): Map<string, TarEntry> {
  const entries = new Map<string, TarEntry>();
  const parser = new Parser({
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => entries.set(entry.path, { type: entry.type, body: Buffer.concat(chunks), ...(entry.linkpath ? { linkpath: entry.linkpath } : {}) }));
    },
  });
  parser.end(tar);
  return entries;
}

async function loginCookie(app: Awaited<ReturnType<typeof buildApp>>, userId: string): Promise<string> {
  const user = await db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`no ${SESSION_COOKIE} cookie after signing in as ${user.username}`);
  return `${cookie.name}=${cookie.value}`;
}

describe('storage and archives of a lab on the real node', () => {
  let archivedId = '';
  let blobSha = '';
  let archiveBytes: Buffer = Buffer.alloc(0);

  it('keeps what the student wrote across a stop and a start (the PVC survives, the pod does not)', async () => {
    archivedId = await newRunningInstance(room.studentIds[0]);
    const wrote = await sh(archivedId, STUDENT_WORK);
    expect(wrote.exitCode, wrote.stderr).toBe(0);
    blobSha = wrote.stdout.trim();
    expect(blobSha).toMatch(/^[0-9a-f]{64}$/);

    expect(await stopInstance(ctx, archivedId, 'user')).toBe('stopped');
    const h = await handleOfRow(archivedId);
    expect(await runtime.status(h)).toEqual({ phase: 'stopped' });
    expect(await pvcExists(h)).toBe(true);

    expect(await startInstance(ctx, archivedId)).toBe('started');
    const back = await sh(archivedId, CHECK_WORK);
    expect(back).toEqual({ exitCode: 0, stdout: `hello linux\nnotes.txt\n600 student\n${blobSha}\n`, stderr: '' });
  }, 600_000);

  it('archives on stop to a tar.gz in MinIO whose sha256 is recorded and verified, with the student\'s files, and deletes the PVC only then', async () => {
    const h = await handleOfRow(archivedId);
    const seenWhileVerifying: { pvc: boolean; storagePods: string[] }[] = [];
    onArchiveRead = async () => void seenWhileVerifying.push({ pvc: await pvcExists(h), storagePods: await storagePods() });
    try {
      expect(await archiveInstance(ctx, archivedId)).toBe('archived');
    } finally {
      onArchiveRead = null;
    }
    // The verification read happened while the PVC still existed and after the storage pod was gone.
    expect(seenWhileVerifying).toEqual([{ pvc: true, storagePods: [] }]);
    // The storage pod read the volume on the node where the lab pod had written it.
    const nodes = (msg: string) => logged.filter((l) => l.msg === msg && l.instanceId === archivedId).map((l) => [l.transfer, l.node]);
    expect(nodes('kubernetes lab instance started')).toEqual([[undefined, REAL_NODE_NAME], [undefined, REAL_NODE_NAME]]);
    expect(nodes('storage pod running')).toEqual([['export', REAL_NODE_NAME]]);
    expect(await pvcExists(h)).toBe(false);
    expect(await storagePods()).toEqual([]);

    const row = await instanceRow(archivedId);
    expect(row.status).toBe('archived');
    expect(row.archiveKey).toBe(`${row.deploymentId}/${row.id}.tar.gz`);
    archiveBytes = await minio.get(env.S3_BUCKET_VOLUMES, row.archiveKey!);
    expect(row.archiveSha256).toBe(createHash('sha256').update(archiveBytes).digest('hex'));
    expect(row.archiveSize).toBe(BigInt(archiveBytes.length));

    const entries = tarEntries(gunzipSync(archiveBytes));
    expect(entries.get('./project/notes.txt')?.body.toString()).toBe('hello linux\n');
    expect(entries.get('./project/latest')).toMatchObject({ type: 'SymbolicLink', linkpath: 'notes.txt' });
    expect(entries.get('./answers/tcp-count.txt')?.body.toString()).toMatch(/^\d+\n$/);
    expect(createHash('sha256').update(entries.get('./blob.bin')?.body ?? Buffer.alloc(0)).digest('hex')).toBe(blobSha);
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'lab.instance.archive', targetId: archivedId } });
    expect(audit.detail).toEqual({ archiveKey: row.archiveKey, sha256: row.archiveSha256, size: archiveBytes.length });
  }, 600_000);

  it('lets the student download the archive, byte for byte with its checksum, and nobody else in the class', async () => {
    const app = await buildApp(api);
    try {
      const url = `/api/instances/${archivedId}/archive`;
      const res = await app.inject({ method: 'GET', url, headers: { cookie: await loginCookie(app, room.studentIds[0]) } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      expect(res.rawPayload.equals(archiveBytes)).toBe(true);
      expect(res.headers['x-archive-sha256']).toBe(createHash('sha256').update(archiveBytes).digest('hex'));

      const other = await app.inject({ method: 'GET', url, headers: { cookie: await loginCookie(app, room.studentIds[1]) } });
      expect(other.statusCode).toBe(403);
      expect(other.json()).toMatchObject({ code: 'FORBIDDEN', field: 'id' });
      const anonymous = await app.inject({ method: 'GET', url });
      expect(anonymous.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('restores the archive, at a teacher\'s request, into a new instance, where the student finds the files', async () => {
    const newId = await newRunningInstance(room.studentIds[0]);
    expect((await sh(newId, 'ls -A ~ | wc -l')).stdout.trim()).toBe('0');
    expect(await stopInstance(ctx, newId, 'teacher')).toBe('stopped');

    const teacher = await db.prisma.user.findUniqueOrThrow({ where: { id: room.teacherId } });
    const student = await db.prisma.user.findUniqueOrThrow({ where: { id: room.studentIds[0] } });
    const asUser = (u: typeof teacher) => createCaller({ services: api, caller: callerFromUser(u, 'session'), authError: null, requestId: 'test', log });
    await expect(asUser(student).instances.restore({ id: newId, fromId: archivedId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await asUser(teacher).instances.restore({ id: newId, fromId: archivedId });
    expect(await storagePods()).toEqual([]);

    expect(await startInstance(ctx, newId)).toBe('started');
    expect(await sh(newId, CHECK_WORK)).toEqual({ exitCode: 0, stdout: `hello linux\nnotes.txt\n600 student\n${blobSha}\n`, stderr: '' });
  }, 600_000);

  it('the periodic job archives a lab stopped for longer than the 7-day retention, and keeps one stopped for 6 days', async () => {
    const [old, recent] = [await newRunningInstance(room.studentIds[1]), await newRunningInstance(room.studentIds[1])];
    for (const id of [old, recent]) {
      expect((await sh(id, `echo ${id} > ~/me.txt`)).exitCode).toBe(0);
      expect(await stopInstance(ctx, id, 'idle')).toBe('stopped');
    }
    const DAY = 24 * 3600 * 1000;
    await db.prisma.labInstance.update({ where: { id: old }, data: { stoppedAt: new Date(Date.now() - 8 * DAY) } });
    await db.prisma.labInstance.update({ where: { id: recent }, data: { stoppedAt: new Date(Date.now() - 6 * DAY) } });

    expect(await archiveStoppedInstances(ctx)).toEqual([old]);
    const archived = await instanceRow(old);
    expect(archived.status).toBe('archived');
    const entries = tarEntries(gunzipSync(await minio.get(env.S3_BUCKET_VOLUMES, archived.archiveKey!)));
    expect(entries.get('./me.txt')?.body.toString()).toBe(`${old}\n`);
    expect(await pvcExists(await handleOfRow(old))).toBe(false);
    expect((await instanceRow(recent)).status).toBe('stopped');
    expect(await pvcExists(await handleOfRow(recent))).toBe(true);
  }, 600_000);

  it('keeps the PVC, and no object, when tar cannot read a file of the volume', async () => {
    const id = await newRunningInstance(room.studentIds[1]);
    expect((await sh(id, 'echo secret > ~/locked && chmod 000 ~/locked')).exitCode).toBe(0);
    const failure = archiveInstance(ctx, id);
    await expect(failure).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/tar exited with 2: .*locked.*Permission denied/);

    const h = await handleOfRow(id);
    expect(await pvcExists(h)).toBe(true);
    expect(await storagePods()).toEqual([]);
    const r = await instanceRow(id);
    expect([r.status, r.archiveKey]).toEqual(['stopped', null]);
    expect(await minio.list(env.S3_BUCKET_VOLUMES, `${r.deploymentId}/`)).toEqual([]);

    // A storage pod that a dead worker left behind goes with the instance.
    await core.createNamespacedPod({ namespace: ns.name, body: makeStoragePod(h, ns.name, 'export', { image: 'autolabs/base:bookworm', deadlineSeconds: 600 }) });
    expect(await storagePods()).toEqual([storagePodName(h.pod, 'export')]);
    await runtime.destroy(h);
    expect(await pvcExists(h)).toBe(false);
    await waitFor('the left storage pod to be gone', async () => ((await storagePods()).length === 0 ? true : undefined), 60_000);
  }, 600_000);

  it('keeps the PVC, and the instance stopped, when MinIO refuses the archive', async () => {
    const id = await newRunningInstance(room.studentIds[1]);
    expect((await sh(id, 'echo precious > ~/keep.txt')).exitCode).toBe(0);
    const refusing = { ...ctx, services: { ...ctx.services, objectStore: minioStore('not-the-secret-key') } };
    await expect(archiveInstance(refusing, id)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    const h = await handleOfRow(id);
    expect(await pvcExists(h)).toBe(true);
    expect(await storagePods()).toEqual([]);
    const row = await instanceRow(id);
    expect(row.status).toBe('stopped');
    expect(row.archiveKey).toBeNull();
    expect(await minio.list(env.S3_BUCKET_VOLUMES, `${row.deploymentId}/`)).toEqual([]);

    // The data is intact: the lab starts again with it.
    expect(await startInstance(ctx, id)).toBe('started');
    expect((await sh(id, 'cat ~/keep.txt')).stdout).toBe('precious\n');
  }, 600_000);
});
