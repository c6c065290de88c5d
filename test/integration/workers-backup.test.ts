/**
 * The periodic database backup run by the workers against the real services (Postgres, RabbitMQ, Redis,
 * a directory object store): due when the bucket's newest backup is older than the interval, taken once
 * however many replicas tick, retention applied, and a refusing bucket reported with what to fix. Then the
 * embedded set-up as `npm start` composes it (PGlite, in-process queue and session store, the data
 * directory's object store, the workers' options from the default environment).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupKey, decodeHeader } from '../../server/src/backups/backup-format';
import { listBackups, type BackupTarget } from '../../server/src/backups/backup-target';
import { restoreBackup } from '../../server/src/backups/restore-backup';
import { openSeededDatabase, snapshotTables } from '../../server/src/backups/testing/backup-fixture';
import { loadEnv } from '@autolabs/common/config/env';
import { createDatabase } from '../../server/src/infra/database/open-database';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { MemoryJobQueue } from '../../server/src/infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { openObjectStore } from '@autolabs/common/platform/stores';
import { LocalRuntime } from '../../server/src/runtime/local/local-runtime';
import { startWorkers, type WorkerServices } from '../../server/src/workers';
import { workerOptionsFromEnv } from '../../server/src/workers/worker-options-from-env';
import { closeWorkerServices, connectWorkerServices, createWorkerFixture, labYaml, seedClassroom, type WorkerFixture } from '../../server/src/workers/testing/worker-fixture';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

describe('workers: periodic database backup (Postgres, RabbitMQ, Redis)', () => {
  let fx: WorkerFixture;
  let replica: WorkerServices;
  const target = (bucket: string): BackupTarget => ({ store: fx.services.objectStore, bucket });

  beforeAll(async () => {
    fx = await createWorkerFixture('workers_backup');
    await seedClassroom(fx, labYaml('backup-lab'), 2);
    replica = await connectWorkerServices(fx.names);
  });

  afterAll(async () => {
    if (replica) await closeWorkerServices(replica);
    await fx?.close();
  });

  it('two worker replicas ticking together take exactly one backup of a bucket that has none, into a versioned bucket they create', async () => {
    const backup = { bucket: 'backups-first', intervalMs: HOUR, keep: 3 };
    const workers = [
      await startWorkers(fx.services, { log: silentLogger(), periodicIntervalMs: 50, backup }),
      await startWorkers(replica, { log: silentLogger(), periodicIntervalMs: 50, backup }),
    ];
    try {
      await waitFor('a backup in the bucket', async () => (await listBackups(target(backup.bucket)).catch(() => [])).length > 0, 30_000);
    } finally {
      // Disposing waits for a backup a replica is still taking, so whatever they took is listed below.
      for (const w of workers) await w.dispose();
    }
    const backups = await listBackups(target(backup.bucket));
    expect(backups).toHaveLength(1);
    expect(backups[0].key).toMatch(/^database\/.*-postgres\.backup$/);
    const header = decodeHeader(await fx.services.objectStore.get(backup.bucket, backups[0].key));
    expect(header?.manifest).toMatchObject({ format: 'pg_dump-sql-gzip', migrations: expect.arrayContaining(['20261126150000_init']) });
    expect((await fx.services.objectStore.versions(backup.bucket, backups[0].key))[0].versionId).not.toBe('null');
  });

  it('takes a new backup once the newest is older than the interval, then keeps only the newest BACKUP_KEEP', async () => {
    const backup = { bucket: 'backups-due', intervalMs: DAY, keep: 2 };
    await fx.services.objectStore.ensureBucket(backup.bucket, { versioned: true });
    const old = [4, 3, 2].map((days) => backupKey(new Date(Date.now() - days * DAY), 'postgres'));
    for (const key of old) await fx.services.objectStore.put(backup.bucket, key, 'an old backup');
    const startedAt = Date.now();

    const workers = await startWorkers(fx.services, { log: silentLogger(), periodicIntervalMs: 50, backup });
    try {
      await waitFor('a fresh backup with only the newest old one beside it', async () => {
        const keys = await listBackups(target(backup.bucket));
        return keys.length === 2 && keys[1].createdAt.getTime() >= startedAt;
      }, 30_000);
    } finally {
      await workers.dispose();
    }
    const keys = (await listBackups(target(backup.bucket))).map((b) => b.key);
    expect(keys[0]).toBe(old[2]);
  });

  it('reports a backup bucket that has gone with BACKUP_TARGET_REFUSED and what to fix, and no other periodic task fails', async () => {
    const backup = { bucket: 'backups-gone', intervalMs: HOUR, keep: 2 };
    const lines: { msg?: string; task?: string; err?: { code?: string; message?: string } }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const workers = await startWorkers(fx.services, { log: pino({ level: 'error' }, sink), periodicIntervalMs: 50, backup });
    try {
      await waitFor('the first backup', async () => (await listBackups(target(backup.bucket))).length === 1, 30_000);
      await rm(path.join(fx.names.dataDir, 'objects', backup.bucket), { recursive: true, force: true });
      await waitFor('the refusal logged', () => lines.some((l) => l.task === 'database-backup' && l.err?.code === 'BACKUP_TARGET_REFUSED'), 10_000);
    } finally {
      await workers.dispose();
    }
    const refusal = lines.find((l) => l.err?.code === 'BACKUP_TARGET_REFUSED');
    expect(refusal).toMatchObject({ msg: 'periodic task failed', err: { message: expect.stringMatching(/the bucket "backups-gone" does not exist: create it .*or set BACKUP_BUCKET/) } });
    expect(lines.filter((l) => l.task !== 'database-backup')).toEqual([]);
  });
});

describe('workers: periodic database backup of the embedded database (npm start)', () => {
  it('with the default settings backs PGlite up into the data directory\'s backups bucket, and that backup restores every row', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-workers-backup-embedded-'));
    try {
      const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir });
      await (await openSeededDatabase(env)).close();
      const log = silentLogger();
      const db = await createDatabase(env, log);
      const before = await snapshotTables(db);
      const objectStore = await openObjectStore(env);
      const target: BackupTarget = { store: objectStore, bucket: env.BACKUP_BUCKET };
      const services = { env, db, objectStore, queue: new MemoryJobQueue(), sessionStore: new MemorySessionStore(), runtime: new LocalRuntime({ dataDir, log }) };
      const workers = await startWorkers(services, { log, periodicIntervalMs: 50, ...workerOptionsFromEnv(env) });
      try {
        await waitFor('a backup of the embedded database', async () => (await listBackups(target).catch(() => [])).length === 1, 60_000);
      } finally {
        await workers.dispose();
        await db.close();
      }
      const [backup] = await listBackups(target);
      expect(backup.key).toMatch(/^database\/.*-pglite\.backup$/);

      await rm(path.join(dataDir, 'db'), { recursive: true });
      await restoreBackup(env, target, 'latest', log);
      const restored = await createDatabase(env, log);
      try {
        expect(await snapshotTables(restored)).toEqual(before);
      } finally {
        await restored.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
