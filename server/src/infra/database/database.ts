/**
 * The relational store. Implementations: Postgres through `@prisma/adapter-pg` (DATABASE_URL set) and an
 * embedded PGlite in AUTOLABS_DATA_DIR/db (unset). Both run the same Prisma client and the same SQL
 * migrations, so business code never knows which one it has.
 *
 * Semantics: `createDatabase` returns only after every migration is applied (see migrator.ts; safe from
 * several replicas at once). `ping` throws when the database cannot answer a query (used by /readyz).
 * `close` disconnects Prisma and releases the pool / the embedded database's files; a second call does
 * nothing. PGlite keeps its data in the directory across restarts; only one process may open it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import type { PrismaClient } from '../../generated/prisma/client';
import { AppError } from '@autolabs/common/errors/app-error';
import { openPgliteDatabase } from './pglite-database';
import { restorePglite } from './pglite-dump';
import { openPostgresDatabase } from './postgres-database';
import { restorePostgres } from './postgres-dump';

export interface Database {
  prisma: PrismaClient;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  /**
   * Writes a consistent copy of the whole database to `file` while it stays in use (backups/): Postgres as
   * gzipped `pg_dump` SQL, PGlite as its gzipped data directory. Restoring is `restoreDatabase` below.
   */
  dump(file: string): Promise<DumpFormat>;
  close(): Promise<void>;
}

/** How `Database.dump` wrote its file; a restore accepts only its own engine's format. */
export type DumpFormat = 'pg_dump-sql-gzip' | 'pglite-datadir-gzip';

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

export async function createDatabase(env: Env, log: FastifyBaseLogger): Promise<Database> {
  if (env.DATABASE_URL) return openPostgresDatabase(env.DATABASE_URL, log);
  return openPgliteDatabase(`${env.AUTOLABS_DATA_DIR}/db`, log);
}
