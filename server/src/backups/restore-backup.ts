/**
 * Restores the configured database from one backup, or refuses and changes nothing. Every check that can
 * refuse runs before the database is touched: the object is fetched whole into a temporary directory, its
 * header read, its dump checked against the manifest's size and sha256 (BACKUP_INVALID), and its
 * migrations against the ones this code has (BACKUP_SCHEMA_NEWER: a newer AutoLabs took it). Then
 * `restoreDatabase` replaces the database in one step, and opening it applies the migrations this code has
 * and the backup lacks, so an older backup comes back at the current schema.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Env } from '@autolabs/common/config/env';
import { AppError, isAppError } from '@autolabs/common/errors/app-error';
import { createDatabase, restoreDatabase } from '../infra/database/open-database';
import { readMigrations } from '../infra/database/migrator';
import { decodeHeader, unknownMigrations, type BackupManifest } from './backup-format';
import { listBackups, targetRefusal, type BackupTarget } from './backup-target';

export interface RestoreResult {
  key: string;
  manifest: BackupManifest;
  /** Migrations applied after the restore because the backup predates them. */
  migrated: string[];
  /** Embedded: where the data directory that was replaced is kept. */
  keptAt?: string;
}

/** `latest` names the newest backup in the bucket. */
export async function resolveBackupKey(target: BackupTarget, name: string): Promise<string> {
  if (name !== 'latest') return name;
  const newest = (await listBackups(target)).at(-1);
  if (!newest) throw new AppError('NOT_FOUND', `there is no backup in the bucket "${target.bucket}" yet: take one with \`npm run backup\``, { field: 'object' });
  return newest.key;
}

export async function restoreBackup(env: Env, target: BackupTarget, name: string, log: FastifyBaseLogger): Promise<RestoreResult> {
  const key = await resolveBackupKey(target, name);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-restore-'));
  try {
    const objectFile = path.join(dir, 'object');
    await download(target, key, objectFile);
    const { manifest, dumpOffset } = await readHeader(objectFile);
    const dumpFile = path.join(dir, 'dump');
    await pipeline(createReadStream(objectFile, { start: dumpOffset }), createWriteStream(dumpFile, { mode: 0o600 }));
    await rm(objectFile);
    await checkDump(dumpFile, manifest, key);

    const known = (await readMigrations()).map((m) => m.name);
    const unknown = unknownMigrations(manifest, known);
    if (unknown.length > 0) {
      throw new AppError(
        'BACKUP_SCHEMA_NEWER',
        `the backup ${key} was taken by a newer AutoLabs: its schema has ${unknown.length} migration(s) this version does not have (${unknown.join(', ')}): restore it with that version of AutoLabs or a newer one; nothing was changed`,
        { field: 'object', detail: { unknown } },
      );
    }

    const { keptAt } = await restoreDatabase(env, manifest.format, dumpFile, log);
    const db = await createDatabase(env, log);
    await db.close();
    const migrated = known.filter((m) => !manifest.migrations.includes(m));
    log.info({ key, migrated, keptAt }, 'database restored');
    return { key, manifest, migrated, keptAt };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function download(target: BackupTarget, key: string, file: string): Promise<void> {
  try {
    await pipeline(await target.store.getStream(target.bucket, key), createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND' && !/^bucket /.test(e.message)) {
      throw new AppError('NOT_FOUND', `there is no backup "${key}" in the bucket "${target.bucket}": \`npm run backup -- --list\` lists them`, { field: 'object', cause: e });
    }
    throw targetRefusal(e, target.bucket, `read the backup ${key}`);
  }
}

async function readHeader(file: string): Promise<{ manifest: BackupManifest; dumpOffset: number }> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024 * 1024 + 64), 0, 1024 * 1024 + 64, 0);
    const header = decodeHeader(buffer.subarray(0, bytesRead));
    if (!header) throw new AppError('BACKUP_INVALID', 'this object ends inside its backup header: it is truncated; restore another backup', { field: 'object' });
    return header;
  } finally {
    await handle.close();
  }
}

async function checkDump(file: string, manifest: BackupManifest, key: string): Promise<void> {
  const { size } = await stat(file);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  const sha256 = hash.digest('hex');
  if (size !== manifest.size || sha256 !== manifest.sha256) {
    throw new AppError(
      'BACKUP_INVALID',
      `the backup ${key} is damaged: its dump is ${size} bytes with sha256 ${sha256.slice(0, 12)}…, its manifest says ${manifest.size} bytes, ${manifest.sha256.slice(0, 12)}…: restore another backup; nothing was changed`,
      { field: 'object' },
    );
  }
}
