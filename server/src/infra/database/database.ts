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
import type { Env } from '../../config/env';
import type { PrismaClient } from '../../generated/prisma/client';
import { openPgliteDatabase } from './pglite-database';
import { openPostgresDatabase } from './postgres-database';

export interface Database {
  prisma: PrismaClient;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function createDatabase(env: Env, log: FastifyBaseLogger): Promise<Database> {
  if (env.DATABASE_URL) return openPostgresDatabase(env.DATABASE_URL, log);
  return openPgliteDatabase(`${env.AUTOLABS_DATA_DIR}/db`, log);
}
