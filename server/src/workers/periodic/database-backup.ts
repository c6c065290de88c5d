/**
 * The nightly database backup (BACKUP_INTERVAL_HOURS, 24 by default): on every tick, a backup is due when
 * the newest one in the backup bucket is older than the interval, so the schedule survives restarts and
 * the first backup of a new install happens on the workers' first tick. Several worker replicas tick
 * alike; the one that claims "the backup of <bucket> after <newest key>" in the session store takes it, the others
 * skip. The claim lapses after CLAIM_SECONDS, so a replica that died mid-backup is replaced.
 */
import type { BackupTarget } from '../../backups/backup-target';
import { listBackups } from '../../backups/backup-target';
import { takeBackup } from '../../backups/take-backup';
import type { WorkerContext } from '../worker-context';

export interface BackupSchedule {
  bucket: string;
  /** A backup is due when the newest is at least this old. */
  intervalMs: number;
  /** Backups kept; older ones are deleted after a new one is stored. */
  keep: number;
}

const CLAIM_SECONDS = 3600;

/** Takes a backup when one is due and this replica claimed it; returns its key, or null. */
export async function backupDatabaseWhenDue(ctx: WorkerContext, schedule: BackupSchedule, now = Date.now()): Promise<string | null> {
  const target: BackupTarget = { store: ctx.services.objectStore, bucket: schedule.bucket };
  const newest = (await listBackups(target)).at(-1);
  if (newest && now - newest.createdAt.getTime() < schedule.intervalMs) return null;
  if (!(await ctx.services.sessionStore.claimOnce(`database-backup:${schedule.bucket}:after:${newest?.key ?? 'none'}`, CLAIM_SECONDS))) return null;
  const { key } = await takeBackup(ctx.services.db, target, { keep: schedule.keep, log: ctx.log, now: new Date(now) });
  return key;
}
