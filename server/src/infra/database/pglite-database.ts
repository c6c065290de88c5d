/** Embedded database: PGlite (Postgres compiled to WebAssembly) persisted in a directory. */
import { PGlite } from '@electric-sql/pglite';
import type { FastifyBaseLogger } from 'fastify';
import { mkdir } from 'node:fs/promises';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../../generated/prisma/client';
import type { Database } from './database';
import { prismaDatabase } from './prisma-database';
import { applyMigrations, type MigrationConnection } from './migrator';
import { dumpPglite } from './pglite-dump';

/** `dataDir` undefined keeps the database in memory (tests only). */
export async function openPgliteDatabase(dataDir: string | undefined, log: FastifyBaseLogger): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pglite = await PGlite.create(dataDir);
  const conn: MigrationConnection = {
    async query<T>(sql: string, params?: unknown[]) {
      return (await pglite.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await pglite.exec(sql);
    },
  };
  try {
    await applyMigrations(conn, log);
  } catch (e) {
    await pglite.close();
    throw e;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return prismaDatabase(prisma, 'pglite', () => pglite.close(), (file) => dumpPglite(pglite, file));
}
