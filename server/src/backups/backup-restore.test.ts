/**
 * Backups and restores on the real Postgres server and on the embedded PGlite, into the embedded object
 * store (a local directory; the same against MinIO: test/cluster/database-backups.test.ts). A restore
 * must bring back every row of every table, and every refusal must leave the database as it was.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, type Env } from '@autolabs/common/config/env';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import type { Database } from '../infra/database/database';
import { createDatabase } from '../infra/database/open-database';
import { applyMigrations, readMigrations } from '../infra/database/migrator';
import { dumpPostgres } from '../infra/database/postgres-dump';
import { prismaDatabase } from '../infra/database/prisma-database';
import { createFreshPostgres, type FreshDatabase } from '../infra/database/testing/fresh-postgres';
import { silentLogger } from '../infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { caught } from '@autolabs/common/testing/caught';
import { decodeHeader } from './backup-format';
import { listBackups, type BackupTarget } from './backup-target';
import { restoreBackup } from './restore-backup';
import { takeBackup } from './take-backup';
import { AWKWARD_TEXT, openSeededDatabase, snapshotTables } from './testing/backup-fixture';

const log = silentLogger();

describe('database backups on Postgres, into the embedded object store', () => {
  let dataDir: string;
  let fresh: FreshDatabase;
  let env: Env;
  let target: BackupTarget;
  let before: Record<string, string[]>;
  let firstKey: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backups-pg-'));
    fresh = await createFreshPostgres('backups');
    env = loadEnv({ DATABASE_URL: fresh.url, AUTOLABS_DATA_DIR: dataDir });
    target = { store: new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }), bucket: env.BACKUP_BUCKET };
    await target.store.ensureBucket(target.bucket, { versioned: true });
    const db = await openSeededDatabase(env);
    try {
      before = await snapshotTables(db);
      firstKey = (await takeBackup(db, target, { keep: 5, log })).key;
    } finally {
      await db.close();
    }
  });

  afterAll(async () => {
    await fresh?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a backup of a database that is then wiped brings back every row of every table', async () => {
    expect(before.users).toHaveLength(4);
    expect(before.courses).toHaveLength(1);
    expect(before.lab_configs.length).toBeGreaterThanOrEqual(3);
    expect(before.assignments.length).toBe(before.lab_configs.length);
    expect(before._prisma_migrations.length).toBeGreaterThanOrEqual(8);

    await fresh.drop();
    await recreateEmpty(fresh);
    const result = await restoreBackup(env, target, 'latest', log);
    expect(result.key).toBe(firstKey);
    expect(result.migrated).toEqual([]);

    await withDatabase(env, async (db) => {
      expect(await snapshotTables(db)).toEqual(before);
      expect((await db.prisma.user.findUniqueOrThrow({ where: { username: 'student2' } })).displayName).toBe(AWKWARD_TEXT);
    });
  });

  it('is refused with DATABASE_IN_USE while the API or workers are connected, and changes nothing', async () => {
    await withDatabase(env, async (db) => {
      await db.prisma.user.create({ data: { username: 'after-the-backup', displayName: 'Added after the backup', role: 'student' } });
      const e = await caught(restoreBackup(env, target, firstKey, log));
      expect(e).toMatchObject({ code: 'DATABASE_IN_USE', message: expect.stringMatching(/stop the API and workers.*nothing was changed/) });
      expect(await db.prisma.user.count({ where: { username: 'after-the-backup' } })).toBe(1);
    });
  });

  it('a backup taken by a newer AutoLabs (a migration this code lacks) is refused with BACKUP_SCHEMA_NEWER, the database untouched', async () => {
    const futureKey = await withDatabase(env, async (db) => {
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ('future', repeat('0', 64), '20991231000000_from_a_newer_autolabs', now(), 1)`,
      );
      const { key } = await takeBackup(db, target, { keep: 5, log, now: new Date(Date.now() + 1000) });
      await db.prisma.$executeRawUnsafe(`DELETE FROM "_prisma_migrations" WHERE id = 'future'`);
      return key;
    });
    const e = await caught(restoreBackup(env, target, futureKey, log));
    expect(e).toMatchObject({ code: 'BACKUP_SCHEMA_NEWER', message: expect.stringMatching(/20991231000000_from_a_newer_autolabs.*restore it with that version of AutoLabs or a newer one; nothing was changed/) });

    expect(await withDatabase(env, (db) => db.prisma.user.count({ where: { username: 'after-the-backup' } }))).toBe(1);
  });

  it('a damaged backup (one byte changed) or an object that is no backup is refused with BACKUP_INVALID, the database untouched', async () => {
    const bytes = await target.store.get(target.bucket, firstKey);
    bytes[bytes.length - 100] ^= 0xff;
    const damaged = firstKey.replace('Z-', 'Z-damaged-');
    await target.store.put(target.bucket, 'database/damaged.backup', bytes);
    await target.store.put(target.bucket, 'notes.txt', 'AutoLabs backups live under database/\n');

    expect(await caught(restoreBackup(env, target, 'database/damaged.backup', log))).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/is damaged.*restore another backup; nothing was changed/) });
    expect(await caught(restoreBackup(env, target, 'notes.txt', log))).toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringMatching(/not an AutoLabs database backup/) });
    expect(await caught(restoreBackup(env, target, damaged, log))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/npm run backup -- --list/) });

    expect(await withDatabase(env, (db) => db.prisma.user.count({ where: { username: 'after-the-backup' } }))).toBe(1);
  });

  it('keeps the newest BACKUP_KEEP backups and deletes older ones, never an object outside its naming', async () => {
    const t0 = Date.now() + 10_000;
    const keys: string[] = [];
    await withDatabase(env, async (db) => {
      for (let i = 0; i < 3; i++) keys.push((await takeBackup(db, target, { keep: 2, log, now: new Date(t0 + i * 1000) })).key);
    });
    expect((await listBackups(target)).map((b) => b.key)).toEqual(keys.slice(1));
    // The bucket is versioned; retention removes the old versions too, or nothing would ever be freed.
    await expect(target.store.versions(target.bucket, keys[0])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await target.store.list(target.bucket)).map((o) => o.key)).toEqual(expect.arrayContaining(['database/damaged.backup', 'notes.txt']));
  });

  it('a restore into a database that is gone is refused with NOT_FOUND saying to create it empty', async () => {
    await fresh.drop();
    try {
      expect(await caught(restoreBackup(env, target, 'latest', log))).toMatchObject({
        code: 'NOT_FOUND',
        field: 'DATABASE_URL',
        message: `the database "${fresh.name}" does not exist: create it empty (createdb "${fresh.name}", owned by DATABASE_URL's user) and run the restore again`,
      });
    } finally {
      await recreateEmpty(fresh);
    }
    expect((await restoreBackup(env, target, 'latest', log)).migrated).toEqual([]);
  });

  it('a backup bucket that does not exist is refused with BACKUP_TARGET_REFUSED naming the bucket and the setting', async () => {
    const e = await withDatabase(env, (db) => caught(takeBackup(db, { store: target.store, bucket: 'no-such-backups' }, { keep: 2, log })));
    expect(e).toMatchObject({ code: 'BACKUP_TARGET_REFUSED', field: 'BACKUP_BUCKET', message: expect.stringMatching(/the bucket "no-such-backups" does not exist: create it .*BACKUP_BUCKET/) });
    expect(existsSync(path.join(dataDir, 'objects', 'no-such-backups'))).toBe(false);
  });
});

describe('database backups of the embedded database (PGlite)', () => {
  let dataDir: string;
  let env: Env;
  let target: BackupTarget;
  let before: Record<string, string[]>;
  let key: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backups-pglite-'));
    env = loadEnv({ AUTOLABS_DATA_DIR: dataDir });
    target = { store: new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }), bucket: env.BACKUP_BUCKET };
    await target.store.ensureBucket(target.bucket, { versioned: true });
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes a backup while the database is open, refuses to restore while it is open (DATABASE_IN_USE)', async () => {
    const db: Database = await openSeededDatabase(env);
    try {
      before = await snapshotTables(db);
      key = (await takeBackup(db, target, { keep: 3, log })).key;
      expect(key).toMatch(/^database\/.*-pglite\.backup$/);
      const header = decodeHeader(await target.store.get(target.bucket, key));
      expect(header?.manifest).toMatchObject({ format: 'pglite-datadir-gzip', migrations: expect.arrayContaining(['20261126150000_init']) });
      expect(await caught(restoreBackup(env, target, key, log))).toMatchObject({ code: 'DATABASE_IN_USE', message: expect.stringMatching(/stop AutoLabs \(npm start\)/) });
    } finally {
      await db.close();
    }
  });

  it('a wiped data directory restored brings back every row of every table', async () => {
    await rm(path.join(dataDir, 'db'), { recursive: true, force: true });
    const result = await restoreBackup(env, target, key, log);
    expect(result.keptAt).toBeUndefined();
    expect(before.users).toHaveLength(4);
    expect(await withDatabase(env, snapshotTables)).toEqual(before);
  });

  it('restored over a changed database, keeps the replaced data directory beside it', async () => {
    await withDatabase(env, (db) => db.prisma.user.deleteMany({ where: { role: 'student' } }));
    const result = await restoreBackup(env, target, key, log);
    expect(result.keptAt).toMatch(/\/db\.before-restore-/);
    expect(await withDatabase(env, snapshotTables)).toEqual(before);
    expect(await withDatabase(await envWithCopyOf(result.keptAt as string), (kept) => kept.prisma.user.count({ where: { role: 'student' } }))).toBe(0);
  });

  it('a Postgres backup is refused here with BACKUP_INVALID saying where it can be restored', async () => {
    const bytes = await target.store.get(target.bucket, key);
    const text = bytes.toString('latin1').replace('"format":"pglite-datadir-gzip"', '"format":"pg_dump-sql-gzip"');
    await target.store.put(target.bucket, 'database/from-postgres.backup', Buffer.from(text, 'latin1'));
    expect(await caught(restoreBackup(env, target, 'database/from-postgres.backup', log))).toMatchObject({
      code: 'BACKUP_INVALID',
      message: expect.stringMatching(/taken from a Postgres server and cannot be restored into the embedded database/),
    });
  });

  /** An environment whose embedded database is a copy of `dir`. */
  async function envWithCopyOf(dir: string): Promise<Env> {
    const other = await mkdtemp(path.join(dataDir, 'kept-'));
    await cp(dir, path.join(other, 'db'), { recursive: true });
    return loadEnv({ AUTOLABS_DATA_DIR: other });
  }
});

/** Opens the configured database for `use`, closed afterwards whatever happens. */
async function withDatabase<T>(env: Env, use: (db: Database) => Promise<T>): Promise<T> {
  const db = await createDatabase(env, log);
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/** The database is gone and an empty one of the same name takes its place, as after losing the server's disk. */
async function recreateEmpty(fresh: FreshDatabase): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${fresh.name}"`);
  } finally {
    await admin.end();
  }
}

describe('a backup taken before the newest migration (Postgres)', () => {
  let dataDir: string;
  let fresh: FreshDatabase;
  let env: Env;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backups-older-'));
    fresh = await createFreshPostgres('backups_older');
    env = loadEnv({ DATABASE_URL: fresh.url, AUTOLABS_DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await fresh?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is restored and then migrated forward to the schema of this code', async () => {
    const all = await readMigrations();
    const newest = all[all.length - 1].name;
    const target: BackupTarget = { store: new LocalDirObjectStore({ root: path.join(dataDir, 'objects') }), bucket: env.BACKUP_BUCKET };
    await target.store.ensureBucket(target.bucket);
    // The database as the previous release left it: every migration but the newest.
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    await applyMigrations({ query: async (sql, params) => (await client.query(sql, params)).rows, exec: async (sql) => void (await client.query(sql)) }, log, all.slice(0, -1));
    await client.end();
    const pool = new pg.Pool({ connectionString: fresh.url });
    const previous = prismaDatabase(new PrismaClient({ adapter: new PrismaPg(pool) }), 'postgres', () => pool.end(), (file) => dumpPostgres(fresh.url, file));
    try {
      await previous.prisma.user.create({ data: { username: 'from-the-previous-release', displayName: 'Older', role: 'teacher' } });
      const { key } = await takeBackup(previous, target, { keep: 2, log });
      expect(decodeHeader(await target.store.get(target.bucket, key))?.manifest.migrations).not.toContain(newest);
    } finally {
      await previous.close();
    }

    const result = await restoreBackup(env, target, 'latest', log);
    expect(result.migrated).toEqual([newest]);
    await withDatabase(env, async (db) => {
      expect(await db.prisma.user.count({ where: { username: 'from-the-previous-release' } })).toBe(1);
      const applied = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL');
      expect(applied.map((r) => r.migration_name).sort()).toEqual(all.map((m) => m.name));
    });
  });
});
