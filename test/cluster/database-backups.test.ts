/**
 * Database backups into the real MinIO of the test cluster, from a fresh Postgres database: the workers'
 * periodic backup lands in a versioned bucket they create, the critical buckets are versioned, retention
 * removes old versions, a wiped database is restored row for row, and MinIO refusing our credentials or
 * lacking the bucket is reported with what to fix, the database untouched. Bucket names carry a random
 * suffix: the cluster's MinIO is shared by every test run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'minio';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups, type BackupTarget } from '../../server/src/backups/backup-target';
import { restoreBackup } from '../../server/src/backups/restore-backup';
import { takeBackup } from '../../server/src/backups/take-backup';
import { openSeededDatabase, snapshotTables } from '../../server/src/backups/testing/backup-fixture';
import { loadEnv, type Env } from '@autolabs/common/config/env';
import type { Database } from '../../server/src/infra/database/database';
import { createDatabase } from '../../server/src/infra/database/open-database';
import { createFreshPostgres, type FreshDatabase } from '../../server/src/infra/database/testing/fresh-postgres';
import { silentLogger } from '../../server/src/infra/database/testing/silent-logger';
import { MinioObjectStore } from '@autolabs/common/object-store/minio-object-store';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { MemoryJobQueue } from '../../server/src/infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { caught } from '@autolabs/common/testing/caught';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { openObjectStore } from '@autolabs/common/platform/stores';
import { LocalRuntime } from '../../server/src/runtime/local/local-runtime';
import { startWorkers } from '../../server/src/workers';
import { TEST_DATABASE_URL } from '../setup/services';
import { clusterEnv } from './cluster-env';

const log = silentLogger();
const suffix = randomBytes(3).toString('hex');

describe('database backups into MinIO (Postgres)', () => {
  let dataDir: string;
  let fresh: FreshDatabase;
  let env: Env;
  let store: ObjectStore;
  let target: BackupTarget;
  let before: Record<string, string[]>;
  const minio = () => {
    const url = new URL(clusterEnv().s3Endpoint);
    return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: clusterEnv().s3AccessKey, secretKey: clusterEnv().s3SecretKey, pathStyle: true });
  };
  const withDatabase = async <T>(use: (db: Database) => Promise<T>): Promise<T> => {
    const db = await createDatabase(env, log);
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    const cluster = clusterEnv();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backups-minio-'));
    fresh = await createFreshPostgres('backups_minio');
    env = loadEnv({
      DATABASE_URL: fresh.url,
      AUTOLABS_DATA_DIR: dataDir,
      S3_ENDPOINT: cluster.s3Endpoint,
      S3_ACCESS_KEY: cluster.s3AccessKey,
      S3_SECRET_KEY: cluster.s3SecretKey,
      S3_BUCKET_CONFIGS: `configs-${suffix}`,
      S3_BUCKET_VOLUMES: `volumes-${suffix}`,
      S3_BUCKET_RECORDINGS: `recordings-${suffix}`,
      BACKUP_BUCKET: `backups-${suffix}`,
    });
    store = await openObjectStore(env);
    target = { store, bucket: env.BACKUP_BUCKET };
    await (await openSeededDatabase(env)).close();
    before = await withDatabase(snapshotTables);
  });

  afterAll(async () => {
    await store?.close();
    await fresh?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the workers take the first backup into a backups bucket they create versioned, beside versioned configs and volumes', async () => {
    const services = { env, db: await createDatabase(env, log), objectStore: store, queue: new MemoryJobQueue(), sessionStore: new MemorySessionStore(), runtime: new LocalRuntime({ dataDir, log }) };
    const workers = await startWorkers(services, { log, periodicIntervalMs: 100, backup: { bucket: env.BACKUP_BUCKET, intervalMs: 3600_000, keep: 2 } });
    try {
      await waitFor('a backup in MinIO', async () => (await listBackups(target).catch(() => [])).length === 1, 30_000);
    } finally {
      await workers.dispose();
      await services.db.close();
    }
    const status = async (bucket: string) => (await minio().getBucketVersioning(bucket)) as { Status?: string } | string;
    for (const bucket of [env.S3_BUCKET_CONFIGS, env.S3_BUCKET_VOLUMES, env.BACKUP_BUCKET]) expect(await status(bucket), bucket).toMatchObject({ Status: 'Enabled' });
    expect(await status(env.S3_BUCKET_RECORDINGS)).not.toMatchObject({ Status: 'Enabled' });
  });

  it('a wiped database restored from MinIO has every row of every table', async () => {
    await fresh.drop();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${fresh.name}"`);
    await admin.end();

    const result = await restoreBackup(env, target, 'latest', log);
    expect(result.manifest.format).toBe('pg_dump-sql-gzip');
    expect(await withDatabase(snapshotTables)).toEqual(before);
  });

  it('retention keeps the newest and removes the old backups with every version from the versioned bucket', async () => {
    const [first] = await listBackups(target);
    const later = await withDatabase((db) => takeBackup(db, target, { keep: 1, log, now: new Date(Date.now() + 60_000) }));
    expect(later.removed).toEqual([first.key]);
    expect((await listBackups(target)).map((b) => b.key)).toEqual([later.key]);
    await expect(store.versions(target.bucket, first.key)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('MinIO refusing the credentials is BACKUP_TARGET_REFUSED naming S3_ACCESS_KEY and S3_SECRET_KEY, for a backup and a restore, the database untouched', async () => {
    const wrong: BackupTarget = {
      store: new MinioObjectStore({ endpoint: env.S3_ENDPOINT as string, accessKey: env.S3_ACCESS_KEY as string, secretKey: 'not-the-secret-key', region: env.S3_REGION }),
      bucket: env.BACKUP_BUCKET,
    };
    await withDatabase(async (db) => {
      const backup = await caught(takeBackup(db, wrong, { keep: 2, log }));
      expect(backup).toMatchObject({ code: 'BACKUP_TARGET_REFUSED', field: 'S3_ACCESS_KEY', message: expect.stringMatching(/refused the credentials \(SignatureDoesNotMatch\): check S3_ACCESS_KEY and S3_SECRET_KEY/) });
    });
    const restore = await caught(restoreBackup(env, wrong, 'latest', log));
    expect(restore).toMatchObject({ code: 'BACKUP_TARGET_REFUSED', message: expect.stringMatching(/check S3_ACCESS_KEY and S3_SECRET_KEY/) });
    expect(await withDatabase(snapshotTables)).toEqual(before);
    expect(await listBackups(target)).toHaveLength(1);
  });

  it('a backup bucket missing from MinIO is BACKUP_TARGET_REFUSED naming the bucket and BACKUP_BUCKET', async () => {
    const missing: BackupTarget = { store, bucket: `no-backups-${suffix}` };
    const e = await withDatabase((db) => caught(takeBackup(db, missing, { keep: 2, log })));
    expect(e).toMatchObject({ code: 'BACKUP_TARGET_REFUSED', field: 'BACKUP_BUCKET', message: expect.stringMatching(new RegExp(`the bucket "no-backups-${suffix}" does not exist: create it .*BACKUP_BUCKET`)) });
    expect(await minio().bucketExists(missing.bucket)).toBe(false);
  });
});
