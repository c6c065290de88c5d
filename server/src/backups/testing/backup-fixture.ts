/**
 * Test helpers for backups: a platform database filled the way a first `npm start` fills it (the demo
 * seed: accounts, a course with members, every bundled lab, assignments, a quota) plus a row with awkward
 * text, and a snapshot of every row of every table to compare before a backup and after a restore.
 */
import { generateKeyPair } from 'jose';
import path from 'node:path';
import type { Env } from '@autolabs/common/config/env';
import { seedDemo } from '../../demo/seed-demo';
import type { Database } from '../../infra/database/database';
import { createDatabase } from '../../infra/database/open-database';
import { silentLogger } from '../../infra/database/testing/silent-logger';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { MemoryJobQueue } from '../../infra/queue/memory-job-queue';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import { LocalRuntime } from '../../runtime/local/local-runtime';

/** Text that a careless dump or restore would mangle: quotes, backslashes, a tab, a newline, non-ASCII. */
export const AWKWARD_TEXT = `O'Brien "Ω" \\ tab\there\nsecond line; DROP TABLE users; --`;

/** Opens the configured database and fills it; the caller closes it. */
export async function openSeededDatabase(env: Env): Promise<Database> {
  const log = silentLogger();
  const db = await createDatabase(env, log);
  const objectStore = new LocalDirObjectStore({ root: path.join(env.AUTOLABS_DATA_DIR, 'objects') });
  await objectStore.ensureBucket(env.S3_BUCKET_CONFIGS);
  const seeded = await seedDemo({
    env,
    db,
    objectStore,
    queue: new MemoryJobQueue(),
    sessionStore: new MemorySessionStore(),
    runtime: new LocalRuntime({ dataDir: env.AUTOLABS_DATA_DIR, log }),
    ticketKeys: await generateKeyPair('EdDSA', { crv: 'Ed25519' }),
  });
  if (!seeded.created) throw new Error('the database to back up was not empty');
  await db.prisma.user.update({ where: { username: 'student2' }, data: { displayName: AWKWARD_TEXT } });
  return db;
}

/** Every row of every table in the public schema, each table's rows as sorted JSON lines. */
export async function snapshotTables(db: Database): Promise<Record<string, string[]>> {
  const tables = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${name}"`);
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
  }
  return out;
}
