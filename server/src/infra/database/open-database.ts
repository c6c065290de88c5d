/**
 * Where the implementation of `Database` is chosen: Postgres when DATABASE_URL is set, else the embedded
 * PGlite in AUTOLABS_DATA_DIR/db. Restoring a dump goes to the same place.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Database, DumpFormat } from './database';
import { openPgliteDatabase } from './pglite-database';
import { restorePglite } from './pglite-dump';
import { openPostgresDatabase } from './postgres-database';
import { restorePostgres } from './postgres-dump';

/** Opens the configured database; returns once every migration is applied (migrator.ts). */
export async function createDatabase(env: Env, log: FastifyBaseLogger): Promise<Database> {
  if (env.DATABASE_URL) return openPostgresDatabase(env.DATABASE_URL, log);
  return openPgliteDatabase(`${env.AUTOLABS_DATA_DIR}/db`, log);
}

/**
 * Replaces the whole configured database with a dump `Database.dump` wrote, or changes nothing (refused
 * with an AppError saying why). The database must not be open: not by this process, not by the API or the
 * workers (DATABASE_IN_USE). Migrations are not applied here; the next `createDatabase` applies them.
 */
export async function restoreDatabase(env: Env, format: DumpFormat, file: string, log: FastifyBaseLogger): Promise<{ keptAt?: string }> {
  if (env.DATABASE_URL) {
    requireFormat(format, 'pg_dump-sql-gzip', 'Postgres (DATABASE_URL set)');
    await restorePostgres(env.DATABASE_URL, file, log);
    return {};
  }
  requireFormat(format, 'pglite-datadir-gzip', 'the embedded database (DATABASE_URL unset)');
  return restorePglite(`${env.AUTOLABS_DATA_DIR}/db`, file, log);
}

function requireFormat(format: DumpFormat, wanted: DumpFormat, target: string): void {
  if (format === wanted) return;
  const made = format === 'pglite-datadir-gzip' ? 'the embedded database (PGlite)' : 'a Postgres server';
  throw new AppError('BACKUP_INVALID', `this backup was taken from ${made} and cannot be restored into ${target}: restore it where it was taken`, {
    field: 'format',
  });
}
