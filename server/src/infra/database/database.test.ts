import { PGlite } from '@electric-sql/pglite';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '@autolabs/common/config/env';
import { createDatabase } from './open-database';
import { migratePostgres } from './postgres-database';
import { applyMigrations, readMigrations } from './migrator';
import { createFreshPostgres, type FreshDatabase } from './testing/fresh-postgres';
import { silentLogger } from './testing/silent-logger';

const log = silentLogger();

async function migrationRows(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

describe('Postgres database', () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await createFreshPostgres('api_db');
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it('three migrators started at once on a fresh database apply each migration exactly once', async () => {
    await Promise.all([migratePostgres(fresh.url, log), migratePostgres(fresh.url, log), migratePostgres(fresh.url, log)]);
    const files = await readMigrations();
    const rows = await migrationRows(fresh.url);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(files[i].checksum);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('createDatabase on an already migrated database applies nothing and serves queries', async () => {
    const before = await migrationRows(fresh.url);
    const db = await createDatabase(loadEnv({ DATABASE_URL: fresh.url }), log);
    try {
      expect(db.kind).toBe('postgres');
      await db.ping();
      const user = await db.prisma.user.create({ data: { username: 'ada', displayName: 'Ada' } });
      expect(user.role).toBe('student');
      expect(await db.prisma.user.count()).toBe(1);
    } finally {
      await db.close();
    }
    expect(await migrationRows(fresh.url)).toEqual(before);
  });

  it('an unreachable database fails with SERVICE_UNAVAILABLE', async () => {
    await expect(
      createDatabase(loadEnv({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nothing' }), log),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('PGlite database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-api-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its data in AUTOLABS_DATA_DIR/db across a restart and migrates only once', async () => {
    const env = loadEnv({ AUTOLABS_DATA_DIR: dataDir });
    const first = await createDatabase(env, log);
    expect(first.kind).toBe('pglite');
    await first.prisma.course.create({ data: { code: 'NET-1', title: 'Networks' } });
    const rowsBefore = await first.prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM "_prisma_migrations"');
    await first.close();

    const second = await createDatabase(env, log);
    try {
      await second.ping();
      expect((await second.prisma.course.findMany()).map((c) => c.code)).toEqual(['NET-1']);
      const rowsAfter = await second.prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM "_prisma_migrations"');
      expect(rowsAfter).toEqual(rowsBefore);
    } finally {
      await second.close();
    }
  });

  it('a failing migration leaves neither its tables nor a bookkeeping row', async () => {
    const pglite = await PGlite.create();
    const conn = {
      query: async <T,>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
      exec: async (sql: string) => void (await pglite.exec(sql)),
    };
    const broken = { name: '20990101000000_broken', sql: 'CREATE TABLE half_done (id int); SELECT * FROM missing_table;', checksum: 'x' };
    await expect(applyMigrations(conn, log, [broken])).rejects.toMatchObject({ code: 'INTERNAL' });
    const tables = await conn.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(tables[0].n).toBe(0);
    const rows = await conn.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(rows[0].n).toBe(0);
    await pglite.close();
  });
});
