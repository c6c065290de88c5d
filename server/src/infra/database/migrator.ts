/**
 * Applies the SQL migrations in server/prisma/migrations at start-up. The Prisma schema engine (which
 * `prisma migrate deploy` needs) cannot be downloaded where AutoLabs runs, so we apply the same files
 * ourselves and keep Prisma's own bookkeeping: rows in `_prisma_migrations` with the sha256 of each file,
 * under Prisma's advisory lock key. A database migrated here is therefore "up to date" for
 * `prisma migrate deploy`, and the two never run at the same time.
 *
 * Safe twice and from several replicas at once: everything happens under a session-level advisory lock
 * on one connection, and each migration runs in its own transaction together with its bookkeeping row,
 * so a failed migration leaves neither half its tables nor a row behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@autolabs/common/errors/app-error';

/** The key `prisma migrate` locks on (schema-engine's advisory lock id). */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../prisma/migrations');

/** One dedicated connection: advisory locks and BEGIN/COMMIT are per connection. */
export interface MigrationConnection {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Migration folders in name order (their timestamp prefix), each with the checksum Prisma computes. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function applyMigrations(
  conn: MigrationConnection,
  log: FastifyBaseLogger,
  migrations?: Migration[],
): Promise<MigrationResult> {
  const all = migrations ?? (await readMigrations());
  await conn.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  try {
    await conn.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await conn.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      // Only `prisma migrate deploy` leaves such rows; resolving them is an operator decision.
      throw new AppError('INTERNAL', 'the database has a failed migration; resolve it before starting', {
        detail: { migration: failed.migration_name },
      });
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const m of all) {
      const row = done.get(m.name);
      if (row) {
        if (row.checksum !== m.checksum) {
          log.warn({ migration: m.name }, 'migration file changed after it was applied');
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      await applyOne(conn, m);
      log.info({ migration: m.name }, 'migration applied');
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await conn.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  }
}

async function applyOne(conn: MigrationConnection, m: Migration): Promise<void> {
  await conn.exec('BEGIN');
  try {
    const id = randomUUID();
    await conn.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
      [id, m.checksum, m.name],
    );
    await conn.exec(m.sql);
    await conn.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await conn.exec('COMMIT');
  } catch (e) {
    await conn.exec('ROLLBACK');
    throw new AppError('INTERNAL', `migration ${m.name} failed`, { cause: e, detail: { migration: m.name } });
  }
}
