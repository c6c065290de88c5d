/**
 * The hand-written migration SQL must build exactly what schema.prisma describes (same tables, columns,
 * types, nullability, defaults, enums, keys, indexes, foreign keys and their delete rules), or Prisma
 * queries fail at run time and `prisma migrate diff` would disagree. Checked on Postgres and on PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../generated/prisma/client';
import { loadEnv } from '@autolabs/common/config/env';
import type { Database } from './database';
import { createDatabase } from './open-database';
import { openPgliteDatabase } from './pglite-database';
import { createFreshPostgres, type FreshDatabase } from './testing/fresh-postgres';
import { readPrismaSchema, type ExpectedSchema } from './testing/read-prisma-schema';
import { silentLogger } from './testing/silent-logger';

const DELETE_RULE: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

async function readDatabase(prisma: PrismaClient): Promise<ExpectedSchema> {
  const q = <T,>(sql: string) => prisma.$queryRawUnsafe<T[]>(sql);
  const tables = await q<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name",
  );
  const columns = await q<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null; datetime_precision: number | null }>(
    "SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
  );
  const enumRows = await q<{ typname: string; label: string }>(
    'SELECT t.typname::text AS typname, e.enumlabel::text AS label FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder',
  );
  const indexes = await q<{ name: string; tbl: string; is_unique: boolean; is_primary: boolean; cols: string }>(`
    SELECT i.relname::text AS name, t.relname::text AS tbl, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
      (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(ix.indkey) WITH ORDINALITY k(n, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n) AS cols
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace ns ON ns.oid = t.relnamespace
    WHERE ns.nspname = 'public' AND t.relname <> '_prisma_migrations'`);
  const fks = await q<{ name: string; tbl: string; reftbl: string; del: string; upd: string; cols: string; refcols: string }>(`
    SELECT c.conname::text AS name, t.relname::text AS tbl, r.relname::text AS reftbl, c.confdeltype::text AS del, c.confupdtype::text AS upd,
      (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
      (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord)
         JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS refcols
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
    JOIN pg_namespace ns ON ns.oid = t.relnamespace
    WHERE c.contype = 'f' AND ns.nspname = 'public'`);
  // Every foreign key must also cascade updates, as Prisma's migrations do.
  expect(fks.filter((f) => f.upd !== 'c').map((f) => f.name)).toEqual([]);

  const enums: Record<string, string[]> = {};
  for (const e of enumRows) (enums[e.typname] ??= []).push(e.label);
  return {
    enums,
    tables: tables.map(({ table_name: name }) => ({
      name,
      columns: columns
        .filter((c) => c.table_name === name)
        .map((c) => ({
          name: c.column_name,
          type:
            c.data_type === 'USER-DEFINED'
              ? `enum:${c.udt_name}`
              : c.data_type === 'timestamp without time zone'
                ? `timestamp(${c.datetime_precision}) without time zone`
                : c.data_type,
          nullable: c.is_nullable === 'YES',
          hasDefault: c.column_default !== null,
        })),
      primaryKey: indexes.find((i) => i.tbl === name && i.is_primary)?.cols.split(',') ?? [],
      unique: indexes.filter((i) => i.tbl === name && i.is_unique && !i.is_primary).map((i) => ({ name: i.name, columns: i.cols.split(',') })),
      indexes: indexes.filter((i) => i.tbl === name && !i.is_unique).map((i) => ({ name: i.name, columns: i.cols.split(',') })),
      foreignKeys: fks
        .filter((f) => f.tbl === name)
        .map((f) => ({ name: f.name, columns: f.cols.split(','), refTable: f.reftbl, refColumns: f.refcols.split(','), onDelete: DELETE_RULE[f.del] })),
    })),
  };
}

/** Order-independent form, so the comparison reports real differences only. */
function normalise(s: ExpectedSchema) {
  const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));
  return {
    enums: s.enums,
    tables: byName(s.tables).map((t) => ({
      ...t,
      columns: byName(t.columns),
      unique: byName(t.unique),
      indexes: byName(t.indexes),
      foreignKeys: byName(t.foreignKeys),
    })),
  };
}

describe.each(['postgres', 'pglite'] as const)('migrated %s database', (kind) => {
  let db: Database;
  let fresh: FreshDatabase | null = null;

  beforeAll(async () => {
    if (kind === 'postgres') {
      fresh = await createFreshPostgres('api_drift');
      db = await createDatabase(loadEnv({ DATABASE_URL: fresh.url }), silentLogger());
    } else {
      db = await openPgliteDatabase(undefined, silentLogger());
    }
  });

  afterAll(async () => {
    await db?.close();
    await fresh?.drop();
  });

  it('matches schema.prisma exactly', async () => {
    const expected = readPrismaSchema();
    expect(expected.tables.length).toBe(20);
    expect(normalise(await readDatabase(db.prisma))).toEqual(normalise(expected));
  });
});
