/**
 * One database backup is one object: two header lines, then the dump exactly as `Database.dump` wrote it.
 *
 *   AUTOLABS-DATABASE-BACKUP 1
 *   {"format":"pg_dump-sql-gzip","migrations":["20261126150000_init",...],"createdAt":"...","size":1234,"sha256":"..."}
 *   <dump bytes>
 *
 * A restore must decide before it touches the database whether it may: whether the dump arrived whole
 * (size and sha256) and whether this code knows every migration the dump's schema went through. Our own
 * header carries that with the object wherever an operator copies it (object metadata does not survive
 * every copy), and standard tools still read it: `head -2` shows the manifest, `tail -n +3 | gunzip` the SQL.
 * Pure: no I/O here.
 */
import { z } from 'zod';
import { AppError } from '@autolabs/common/errors/app-error';
import type { DumpFormat } from '../infra/database/database';

export const MAGIC = 'AUTOLABS-DATABASE-BACKUP 1';
/** Every backup's key: `database/<ISO time with - for :>-<engine>.backup`, so keys sort by time. */
export const BACKUP_PREFIX = 'database/';
const KEY = /^database\/(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)-(postgres|pglite)\.backup$/;
const MAX_HEADER = 1024 * 1024;

const manifestSchema = z.object({
  format: z.enum(['pg_dump-sql-gzip', 'pglite-datadir-gzip'] as const satisfies readonly DumpFormat[]),
  migrations: z.array(z.string().min(1)),
  createdAt: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export function backupKey(createdAt: Date, engine: 'postgres' | 'pglite'): string {
  return `${BACKUP_PREFIX}${createdAt.toISOString().replace(/[:.]/g, '-')}-${engine}.backup`;
}

/** The time in a backup's key, or null for a key that is not one of ours (retention never touches those). */
export function backupTime(key: string): Date | null {
  const m = KEY.exec(key);
  if (!m) return null;
  const [date, time] = m[1].split('T');
  const [h, min, s, ms] = time.slice(0, -1).split('-');
  return new Date(`${date}T${h}:${min}:${s}.${ms}Z`);
}

export function encodeHeader(manifest: BackupManifest): Buffer {
  return Buffer.from(`${MAGIC}\n${JSON.stringify(manifest)}\n`);
}

/**
 * Splits the first bytes of an object into its manifest and the offset where the dump starts.
 * Returns null while `head` is too short to hold both lines; throws BACKUP_INVALID when it is not ours.
 */
export function decodeHeader(head: Buffer): { manifest: BackupManifest; dumpOffset: number } | null {
  const notOurs = (why: string) => new AppError('BACKUP_INVALID', `this object is not an AutoLabs database backup (${why}): name one that \`npm run backup -- --list\` lists`, { field: 'object' });
  const first = head.indexOf(0x0a);
  if (first === -1) {
    if (head.length >= MAGIC.length) throw notOurs('its first line is not the backup header');
    return null;
  }
  if (head.subarray(0, first).toString('latin1') !== MAGIC) throw notOurs('its first line is not the backup header');
  const second = head.indexOf(0x0a, first + 1);
  if (second === -1) {
    if (head.length > MAX_HEADER) throw notOurs('its manifest line is too long');
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(head.subarray(first + 1, second).toString('utf8'));
  } catch {
    throw notOurs('its manifest is not JSON');
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (!manifest.success) throw notOurs(`its manifest is malformed: ${manifest.error.issues[0].path.join('.')}`);
  return { manifest: manifest.data, dumpOffset: second + 1 };
}

/** The backup's migrations this code does not have: restoring it would leave a schema this code does not know. */
export function unknownMigrations(manifest: BackupManifest, known: string[]): string[] {
  const here = new Set(known);
  return manifest.migrations.filter((m) => !here.has(m));
}
