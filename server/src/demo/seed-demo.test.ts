import { generateKeyPair } from 'jose';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../auth/password';
import { loadEnv } from '@autolabs/common/config/env';
import { createDatabase } from '../infra/database/open-database';
import { silentLogger } from '../infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { MemoryJobQueue } from '../infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { LocalRuntime } from '../runtime/local/local-runtime';
import type { ApiServices } from '../trpc/api-services';
import { DEFAULT_LAB_CONFIG_DIR, seedDemo } from './seed-demo';

describe('demo seed on an embedded install (PGlite)', () => {
  let dataDir: string;
  let services: ApiServices;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-api-demo-'));
    const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir });
    const log = silentLogger();
    const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    services = {
      env,
      db: await createDatabase(env, log),
      objectStore: new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }),
      queue: new MemoryJobQueue(),
      sessionStore: new MemorySessionStore(),
      runtime: new LocalRuntime({ dataDir, log }),
      ticketKeys: keys,
    };
    await services.objectStore.ensureBucket(env.S3_BUCKET_CONFIGS);
  });

  afterAll(async () => {
    await services?.db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the accounts, Linux 101 with its members, every lab of lab-configs/ with one assignment each', async () => {
    const result = await seedDemo(services);
    expect(result.created).toBe(true);
    expect(result.accounts?.map((a) => [a.username, a.role])).toEqual([
      ['admin', 'admin'],
      ['teacher', 'teacher'],
      ['student', 'student'],
      ['student2', 'student'],
    ]);
    const prisma = services.db.prisma;
    for (const a of result.accounts ?? []) {
      const user = await prisma.user.findUniqueOrThrow({ where: { username: a.username } });
      expect(await verifyPassword(a.password, user.passwordHash)).toBe(true);
    }
    const course = await prisma.course.findUniqueOrThrow({ where: { code: 'LINUX-101' }, include: { members: { include: { user: true } }, assignments: true } });
    expect(course.title).toBe('Linux 101');
    expect(course.members.map((m) => `${m.user.username}:${m.role}`).sort()).toEqual(['student2:student', 'student:student', 'teacher:teacher']);
    const labFiles = (await readdir(DEFAULT_LAB_CONFIG_DIR)).filter((f) => f.endsWith('.yaml'));
    const labs = await prisma.labConfig.findMany();
    expect(labFiles.length).toBeGreaterThan(0);
    expect(labs).toHaveLength(labFiles.length);
    expect(course.assignments.map((a) => a.labConfigId).sort()).toEqual(labs.map((l) => l.id).sort());
  });

  it('keeps the passwords in demo-accounts.txt readable by the owner only', async () => {
    const file = path.join(dataDir, 'demo-accounts.txt');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/admin\s+admin \/ \S{12}/);
  });

  it('does nothing on a second start', async () => {
    const users = await services.db.prisma.user.count();
    expect(await seedDemo(services)).toEqual({ created: false });
    expect(await services.db.prisma.user.count()).toBe(users);
  });
});
