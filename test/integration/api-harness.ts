/**
 * Test harness for the API: real Postgres (a fresh database per test file) or embedded PGlite, the
 * embedded object store / queue / session store implementations, the real LocalRuntime (only its pure
 * terminalTarget is reached) and a fresh Ed25519 ticket key pair. Plus a cast of users and records that
 * the permission table and the flow tests share, and `callerFor(role)` giving a tRPC caller per role.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll } from 'vitest';
import { TRPCError } from '@trpc/server';
import { generateKeyPair } from 'jose';
import { loadEnv } from '@autolabs/common/config/env';
import { callerFromUser, type Caller } from '@autolabs/server/auth/caller';
import { hashPassword } from '@autolabs/server/auth/password';
import { parseLabConfig } from '@autolabs/server/labs/lab-config';
import { createDatabase } from '@autolabs/server/infra/database/open-database';
import { createFreshPostgres, type FreshDatabase } from '@autolabs/server/infra/database/testing/fresh-postgres';
import { silentLogger } from '@autolabs/server/infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { AmqpJobQueue } from '@autolabs/server/infra/queue/amqp-job-queue';
import type { JobQueue, QueueName } from '@autolabs/server/infra/queue/job-queue';
import { MemoryJobQueue } from '@autolabs/server/infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import type { SessionRecord, SessionStore } from '@autolabs/common/session-store/session-store';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import type { ApiServices } from '@autolabs/server/trpc/api-services';
import type { Context } from '@autolabs/server/trpc/context';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { createCaller } from '@autolabs/server/trpc/root';
import type { User } from '@autolabs/server/generated/prisma/client';
import { TEST_AMQP_URL, TEST_REDIS_URL } from '../setup/services';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

export const LAB_YAML = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: api-test-lab
  title: API test lab
spec:
  containers:
    - name: shell
      image: debian:12-slim
      terminal: true
  recording: true
`;

export const CAST = ['admin', 'teacher', 'otherTeacher', 'student', 'otherStudent', 'viewer', 'anonymous'] as const;
export type CastMember = (typeof CAST)[number];

export const PASSWORD = 'correct horse battery staple';

export interface Harness {
  services: ApiServices;
  users: Record<Exclude<CastMember, 'anonymous'>, User>;
  callerFor(who: CastMember): ReturnType<typeof createCaller>;
  /** A caller for a user made outside the cast (a co-teacher, a second student). */
  callerAs(user: User): ReturnType<typeof createCaller>;
  contextFor(who: CastMember): Context;
  /** Runs before the services close (e.g. destroying lab instances a test started). */
  onClose(cleanup: () => Promise<void>): void;
  close(): Promise<void>;
}

const QUEUES: QueueName[] = ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive', 'student.notifications', 'teacher.notifications'];

export interface HarnessOptions {
  database?: 'postgres' | 'pglite';
  /** memory: the embedded implementations; redis-rabbitmq: the production ones, on the real servers. */
  backing?: 'memory' | 'redis-rabbitmq';
  env?: Record<string, string>;
}

export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-api-'));
  let fresh: FreshDatabase | null = null;
  if ((opts.database ?? 'postgres') === 'postgres') fresh = await createFreshPostgres('api');
  const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir, ...(fresh ? { DATABASE_URL: fresh.url } : {}), ...opts.env });
  const log = silentLogger();
  const db = await createDatabase(env, log);
  const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const objectStore = new LocalDirObjectStore({ root: path.join(dataDir, 'objects') });
  const prefix = `autolabs-api-${randomBytes(4).toString('hex')}:`;
  const real = opts.backing === 'redis-rabbitmq';
  const queue: JobQueue = real ? await AmqpJobQueue.connect({ url: TEST_AMQP_URL, queuePrefix: prefix, log }) : new MemoryJobQueue();
  const sessionStore: SessionStore = real ? new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix }) : new MemorySessionStore();
  const services: ApiServices = {
    env,
    db,
    objectStore,
    queue,
    sessionStore,
    runtime: new LocalRuntime({ dataDir, log }),
    ticketKeys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
  };
  await objectStore.ensureBucket(env.S3_BUCKET_CONFIGS);
  await objectStore.ensureBucket(env.S3_BUCKET_RECORDINGS);

  const passwordHash = await hashPassword(PASSWORD);
  const make = (username: string, role: User['role']) =>
    db.prisma.user.create({ data: { username, displayName: username, role, passwordHash } });
  const users = {
    admin: await make('admin', 'admin'),
    teacher: await make('teacher', 'teacher'),
    otherTeacher: await make('other-teacher', 'teacher'),
    student: await make('student', 'student'),
    otherStudent: await make('other-student', 'student'),
    viewer: await make('viewer', 'viewer'),
  };

  const contextOf = (user: User | null, requestId: string): Context => ({
    services,
    caller: user ? (callerFromUser(user, 'session') satisfies Caller) : null,
    authError: null,
    requestId,
    log,
  });
  const contextFor = (who: CastMember): Context => contextOf(who === 'anonymous' ? null : users[who], `test-${who}`);
  const cleanups: (() => Promise<void>)[] = [];
  return {
    services,
    users,
    contextFor,
    callerFor: (who) => createCaller(contextFor(who)),
    callerAs: (user) => createCaller(contextOf(user, `test-${user.username}`)),
    onClose: (cleanup) => cleanups.push(cleanup),
    async close() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      // Leave nothing under our prefix in the shared Redis.
      for (const r of await services.sessionStore.list().catch(() => [])) await services.sessionStore.remove(r.id);
      await services.queue.close();
      await services.sessionStore.close();
      if (real) await deleteQueues(prefix);
      await db.close();
      await fresh?.drop();
      removeDataDir(dataDir);
    },
  };
}

/** Removes the queues (and dead-letter queues) a run made under `prefix` on the shared broker. */
export async function deleteQueues(prefix: string): Promise<void> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  const ch = await conn.createChannel();
  for (const q of QUEUES) {
    await ch.deleteQueue(`${prefix}${q}`);
    await ch.deleteQueue(`${prefix}${q}.dead`);
  }
  await conn.close();
}

export function uniq(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A new student of the course `courseId`, named `displayName`. */
export async function courseStudent(h: Harness, courseId: string, displayName: string): Promise<User> {
  const prisma = h.services.db.prisma;
  const user = await prisma.user.create({ data: { username: uniq('s'), displayName, role: 'student' } });
  await prisma.courseMember.create({ data: { courseId, userId: user.id, role: 'student' } });
  return user;
}

/** Records the permission table and flow tests build on; `make*` give fresh ones for destructive calls. */
export async function seedWorld(h: Harness) {
  const prisma = h.services.db.prisma;
  const { users } = h;
  const makeCourse = async () =>
    prisma.course.create({
      data: {
        code: uniq('C'),
        title: 'Course',
        members: {
          create: [
            { userId: users.teacher.id, role: 'teacher' },
            { userId: users.student.id, role: 'student' },
            { userId: users.otherStudent.id, role: 'student' },
          ],
        },
      },
    });
  const course = await makeCourse();
  const otherCourse = await prisma.course.create({
    data: { code: uniq('D'), title: 'Other course', members: { create: [{ userId: users.otherTeacher.id, role: 'teacher' }] } },
  });
  const lab = await storeLab(h.services, LAB_YAML, { createdById: users.teacher.id, courseId: course.id });
  const assignment = await prisma.assignment.create({ data: { courseId: course.id, labConfigId: lab.id, title: 'First lab' } });
  const makeGroup = () =>
    prisma.studentGroup.create({ data: { courseId: course.id, name: uniq('g'), members: { create: [{ userId: users.student.id }] } } });
  const makeDeployment = () =>
    prisma.labDeployment.create({
      data: { labConfigId: lab.id, courseId: course.id, assignmentId: assignment.id, mode: 'per_student', status: 'running', createdById: users.teacher.id },
    });
  const config = parseLabConfig(LAB_YAML);
  /** A running instance with a real LocalRuntime handle (home directory and sandbox user reserved). */
  const makeInstance = async (ownerUserId = users.student.id) => {
    const d = await makeDeployment();
    const id = randomUUID();
    const handle = await h.services.runtime.start({ instanceId: id, ownerKey: 'student', labKey: config.metadata.name, config });
    h.onClose(() => h.services.runtime.destroy(handle));
    return prisma.labInstance.create({
      data: { id, deploymentId: d.id, ownerUserId, status: 'running', startedAt: new Date(), runtimeHandle: handle as object },
      include: { deployment: true },
    });
  };
  const instance = await makeInstance();
  const deployment = instance.deployment;
  const session: SessionRecord = {
    id: `term-${instance.id}`,
    ownerId: users.student.id,
    labInstanceId: instance.id,
    courseId: course.id,
    gatewayId: 'gw-test',
    state: 'live',
    clients: [],
    controlGrantedTo: [],
    recording: true,
    createdAt: Date.now(),
    lastInputAt: Date.now(),
    lastOutputAt: Date.now(),
    heartbeatAt: Date.now(),
  };
  await h.services.sessionStore.put(session);
  await prisma.terminalSession.create({ data: { id: session.id, instanceId: instance.id, userId: users.student.id, recording: true } });
  const recordingPrefix = `${session.id}/${Date.now()}/`;
  await h.services.objectStore.put(h.services.env.S3_BUCKET_RECORDINGS, `${recordingPrefix}000000.cast`, '{"version":2,"width":80,"height":24}\n');
  await h.services.objectStore.put(h.services.env.S3_BUCKET_RECORDINGS, `${recordingPrefix}000001.cast`, '[0.5,"o","hello\\r\\n"]\n');
  const recording = await prisma.recording.create({ data: { sessionId: session.id, objectKey: recordingPrefix, bytes: 60, durationMs: 500 } });
  return { course, otherCourse, lab, assignment, deployment, instance, session, recording, makeCourse, makeGroup, makeDeployment, makeInstance };
}

export type World = Awaited<ReturnType<typeof seedWorld>>;

/**
 * A harness with its seeded world for a test file: the object returned now is filled in before the file's
 * tests and closed after them. Call at the top level of a test file.
 */
export function useSeededHarness(opts: HarnessOptions = {}): { h: Harness; w: World } {
  const t = {} as { h: Harness; w: World };
  beforeAll(async () => {
    t.h = await createHarness(opts);
    t.w = await seedWorld(t.h);
  });
  afterAll(async () => {
    await t.h?.close();
  });
  return t;
}

/** How a call ended: 'ok', or the tRPC code with our stable code and the field it names. */
export async function outcomeOf(p: Promise<unknown>): Promise<{ code: string; appCode?: string; field?: string }> {
  try {
    await p;
    return { code: 'ok' };
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const cause = e.cause as { code?: string; field?: string } | undefined;
    return { code: e.code, appCode: cause?.code, field: cause?.field };
  }
}
