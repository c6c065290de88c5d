/** Database on a Postgres server: a pg pool shared by Prisma, one extra connection for migrations. */
import { PrismaPg } from '@prisma/adapter-pg';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { AppError } from '@autolabs/common/errors/app-error';
import { PrismaClient } from '../../generated/prisma/client';
import type { Database } from './database';
import { prismaDatabase } from './prisma-database';
import { applyMigrations, type MigrationConnection } from './migrator';
import { dumpPostgres } from './postgres-dump';

export async function openPostgresDatabase(url: string, log: FastifyBaseLogger): Promise<Database> {
  await migratePostgres(url, log);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', (e) => log.warn({ err: e }, 'idle database connection failed'));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return prismaDatabase(prisma, 'postgres', () => pool.end(), (file) => dumpPostgres(url, file));
}

/** Applies pending migrations on a dedicated connection (the advisory lock belongs to it). */
export async function migratePostgres(url: string, log: FastifyBaseLogger): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (e) {
    throw new AppError('SERVICE_UNAVAILABLE', 'cannot connect to the database (DATABASE_URL)', { cause: e });
  }
  client.on('error', (e) => log.warn({ err: e }, 'migration connection failed'));
  const conn: MigrationConnection = {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
  try {
    await applyMigrations(conn, log);
  } finally {
    await client.end();
  }
}
