/**
 * Takes one backup of the running database into the backup bucket, then applies retention: the newest
 * `keep` backups stay, older ones are deleted. Order matters for "nothing lost": the bucket is checked
 * before the dump (a refusing store costs no dump), and retention runs only after the new backup is stored
 * whole, so a failed backup never costs an old one. Only keys in our own naming are ever deleted.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../infra/database/database';
import { backupKey, encodeHeader, type BackupManifest } from './backup-format';
import { listBackups, targetRefusal, type BackupTarget } from './backup-target';

export interface BackupResult {
  key: string;
  /** Bytes of the stored object. */
  size: number;
  /** Keys deleted by retention. */
  removed: string[];
}

/** The migrations applied to the database, in order: what the dump's schema went through. */
export async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
  );
  return rows.map((r) => r.migration_name);
}

export async function takeBackup(db: Database, target: BackupTarget, opts: { keep: number; log: FastifyBaseLogger; now?: Date }): Promise<BackupResult> {
  await listBackups(target);
  const createdAt = opts.now ?? new Date();
  const key = backupKey(createdAt, db.kind);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-backup-'));
  try {
    const dumpFile = path.join(dir, 'dump');
    const format = await db.dump(dumpFile);
    // Read after the dump: a migration an upgraded API applies meanwhile is then listed even if the dump
    // missed it. Over-listing can only make an older AutoLabs refuse the backup; under-listing would let it
    // restore a schema it does not know.
    const migrations = await appliedMigrations(db);
    const sha256 = createHash('sha256');
    await pipeline(createReadStream(dumpFile), sha256);
    const { size: dumpSize } = await stat(dumpFile);
    const manifest: BackupManifest = { format, migrations, createdAt: createdAt.toISOString(), size: dumpSize, sha256: sha256.digest('hex') };
    const header = encodeHeader(manifest);
    const body = Readable.from(
      (async function* () {
        yield header;
        yield* createReadStream(dumpFile);
      })(),
    );
    try {
      await target.store.put(target.bucket, key, body, { contentType: 'application/octet-stream' });
    } catch (e) {
      throw targetRefusal(e, target.bucket, 'store the backup');
    }
    const removed = await applyRetention(target, opts.keep, key);
    const size = header.length + dumpSize;
    opts.log.info({ bucket: target.bucket, key, size, migrations: migrations.length, removed }, 'database backup stored');
    return { key, size, removed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Deletes all but the newest `keep` backups, with their old versions (the bucket is versioned so that
 * nothing else can lose a backup; retention means it); `justStored` is never deleted, whatever the clocks say.
 */
export async function applyRetention(target: BackupTarget, keep: number, justStored?: string): Promise<string[]> {
  const all = await listBackups(target);
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((b) => b.key !== justStored);
  for (const b of doomed) {
    try {
      await target.store.purge(target.bucket, b.key);
    } catch (e) {
      throw targetRefusal(e, target.bucket, `delete the old backup ${b.key}`);
    }
  }
  return doomed.map((b) => b.key);
}
