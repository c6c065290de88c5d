/**
 * Test fixture for worker integration tests: the real services a worker process uses (a fresh Postgres
 * database with migrations, RabbitMQ with a private queue prefix, Redis with a private key prefix, a
 * directory object store, bubblewrap LocalRuntime), plus rows for one course with a lab config. Every
 * name is random, so test files run in parallel without meeting.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEnv, type Env } from '@autolabs/common/config/env';
import { createDatabase } from '../../infra/database/open-database';
import { createFreshPostgres, type FreshDatabase } from '../../infra/database/testing/fresh-postgres';
import { silentLogger } from '../../infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { AmqpJobQueue } from '../../infra/queue/amqp-job-queue';
import { RedisSessionStore } from '@autolabs/common/session-store/redis-session-store';
import { Prisma, type LabMode } from '../../generated/prisma/client';
import { labOwner } from '../../labs/lab-owner';
import type { LabRuntime } from '../../runtime/lab-runtime';
import { LocalRuntime } from '../../runtime/local/local-runtime';
import type { WorkerServices } from '../worker-context';
import { removeDataDir } from '../../infra/testing/remove-data-dir';
import { handleOf } from '../../runtime/runtime-handle';

export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';

export function labYaml(name: string, opts: { ttl?: string; idleTimeout?: string; mode?: LabMode } = {}): string {
  return `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: ${name}
  title: ${name}
spec:
  mode: ${opts.mode ?? 'per_student'}
  containers:
    - name: shell
      image: debian:12
      terminal: true
  lifetime:
    ttl: ${opts.ttl ?? '2h'}
    idleTimeout: ${opts.idleTimeout ?? '30m'}
`;
}

/** Everything a worker test needs; `names` lets a child worker process connect to the same services. */
export interface WorkerFixture {
  env: Env;
  services: WorkerServices;
  names: FixtureNames;
  close(): Promise<void>;
}

export interface FixtureNames {
  databaseUrl: string;
  dataDir: string;
  queuePrefix: string;
  redisPrefix: string;
}

/** Connects to the fixture's services; a child worker process calls this with the parent's names. */
export async function connectWorkerServices(names: FixtureNames, wrapRuntime: (r: LabRuntime) => LabRuntime = (r) => r): Promise<WorkerServices> {
  const env = loadEnv({ DATABASE_URL: names.databaseUrl, AUTOLABS_DATA_DIR: names.dataDir, LOG_LEVEL: 'silent', LOCAL_LAB_IMAGES: 'host' });
  const log = silentLogger();
  return {
    env,
    db: await createDatabase(env, log),
    objectStore: new LocalDirObjectStore({ root: path.join(names.dataDir, 'objects') }),
    queue: await AmqpJobQueue.connect({ url: TEST_AMQP_URL, queuePrefix: names.queuePrefix }),
    sessionStore: new RedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: names.redisPrefix }),
    runtime: wrapRuntime(new LocalRuntime({ dataDir: names.dataDir, log })),
  };
}

export async function closeWorkerServices(services: WorkerServices): Promise<void> {
  await services.queue.close();
  await services.sessionStore.close();
  await services.objectStore.close();
  await services.db.close();
}

/** `wrapRuntime`: what the workers drive instead of (or around) the fixture's LocalRuntime. */
export async function createWorkerFixture(label: string, wrapRuntime?: (r: LabRuntime) => LabRuntime): Promise<WorkerFixture> {
  const fresh: FreshDatabase = await createFreshPostgres(label);
  const suffix = randomBytes(4).toString('hex');
  const names: FixtureNames = {
    databaseUrl: fresh.url,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `autolabs-${label}-`)),
    queuePrefix: `test-${label}-${suffix}.`,
    redisPrefix: `test:${label}:${suffix}:`,
  };
  const services = await connectWorkerServices(names, wrapRuntime);
  await services.objectStore.ensureBucket(services.env.S3_BUCKET_CONFIGS);
  return {
    env: services.env,
    services,
    names,
    async close() {
      // Sandboxes and their cgroups live outside the data directory: destroy what the tests started.
      const started = await services.db.prisma.labInstance.findMany({ where: { runtimeHandle: { not: Prisma.DbNull } }, select: { id: true, runtimeHandle: true } });
      for (const instance of started) await services.runtime.destroy(handleOf(instance));
      await closeWorkerServices(services);
      await fresh.drop();
      removeDataDir(names.dataDir);
    },
  };
}

export interface Classroom {
  teacherId: string;
  studentIds: string[];
  groupIds: string[];
  courseId: string;
  labConfigId: string;
}

/** A course with a teacher, `students` students in two groups, and one uploaded lab config. */
export async function seedClassroom(fx: WorkerFixture, yaml: string, students = 2): Promise<Classroom> {
  const { prisma } = fx.services.db;
  const tag = randomBytes(3).toString('hex');
  const teacher = await prisma.user.create({ data: { username: `teacher-${tag}`, displayName: 'Teacher', role: 'teacher' } });
  const studentIds: string[] = [];
  for (let i = 0; i < students; i++) {
    const s = await prisma.user.create({ data: { username: `student${i}-${tag}`, displayName: `Student ${i}`, role: 'student' } });
    studentIds.push(s.id);
  }
  const course = await prisma.course.create({ data: { code: `C-${tag}`, title: 'Linux 101' } });
  await prisma.courseMember.createMany({
    data: [{ courseId: course.id, userId: teacher.id, role: 'teacher' }, ...studentIds.map((userId) => ({ courseId: course.id, userId, role: 'student' as const }))],
  });
  const groupIds: string[] = [];
  for (const name of ['red', 'blue']) {
    const g = await prisma.studentGroup.create({ data: { courseId: course.id, name } });
    groupIds.push(g.id);
  }
  const sha256 = createHash('sha256').update(yaml).digest('hex');
  const objectKey = `sha256/${sha256}.yaml`;
  await fx.services.objectStore.put(fx.env.S3_BUCKET_CONFIGS, objectKey, yaml);
  const name = /name: (\S+)/.exec(yaml)?.[1] ?? 'lab';
  const labConfig = await prisma.labConfig.create({
    data: { owner: labOwner({ courseId: course.id, createdById: teacher.id }), name, version: 1, title: name, objectKey, sha256, createdById: teacher.id, courseId: course.id },
  });
  return { teacherId: teacher.id, studentIds, groupIds, courseId: course.id, labConfigId: labConfig.id };
}

/** A deployment as the API writes it: pending, with one pending instance per given owner (none: empty). */
export async function seedDeployment(fx: WorkerFixture, room: Classroom, opts: { owners?: string[]; mode?: LabMode } = {}) {
  return fx.services.db.prisma.labDeployment.create({
    data: {
      labConfigId: room.labConfigId,
      courseId: room.courseId,
      mode: opts.mode ?? 'per_student',
      createdById: room.teacherId,
      instances: { create: (opts.owners ?? []).map((ownerUserId) => ({ ownerUserId })) },
    },
    include: { instances: true },
  });
}
