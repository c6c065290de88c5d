/**
 * The relational store. Implementations: Postgres through `@prisma/adapter-pg` (DATABASE_URL set) and an
 * embedded PGlite in AUTOLABS_DATA_DIR/db (unset). Both run the same Prisma client and the same SQL
 * migrations, so business code never knows which one it has.
 *
 * Semantics: `createDatabase` (open-database.ts, which picks the implementation) returns only after every migration is applied (see migrator.ts; safe from
 * several replicas at once). `ping` throws when the database cannot answer a query (used by /readyz).
 * `close` disconnects Prisma and releases the pool / the embedded database's files; a second call does
 * nothing. PGlite keeps its data in the directory across restarts; only one process may open it.
 */
import type { PrismaClient } from '../../generated/prisma/client';

export interface Database {
  prisma: PrismaClient;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  /**
   * Writes a consistent copy of the whole database to `file` while it stays in use (backups/): Postgres as
   * gzipped `pg_dump` SQL, PGlite as its gzipped data directory. Restoring is `restoreDatabase` (open-database.ts).
   */
  dump(file: string): Promise<DumpFormat>;
  close(): Promise<void>;
}

/** How `Database.dump` wrote its file; a restore accepts only its own engine's format. */
export type DumpFormat = 'pg_dump-sql-gzip' | 'pglite-datadir-gzip';
