/** The workers' settings from the environment (already checked by config/env.ts), for the worker and embedded processes. */
import type { Env } from '@autolabs/common/config/env';
import type { WorkerOptions } from './index';

type WorkerEnv = Pick<Env, 'ARCHIVE_AFTER_DAYS' | 'ARCHIVE_INTERVAL_MINUTES' | 'BACKUP_BUCKET' | 'BACKUP_INTERVAL_HOURS' | 'BACKUP_KEEP'>;

export function workerOptionsFromEnv(env: WorkerEnv): Pick<WorkerOptions, 'archiveAfterMs' | 'archiveIntervalMs' | 'backup'> {
  return {
    archiveAfterMs: env.ARCHIVE_AFTER_DAYS * 24 * 3600 * 1000,
    archiveIntervalMs: env.ARCHIVE_INTERVAL_MINUTES * 60 * 1000,
    // BACKUP_INTERVAL_HOURS=0 turns backups off.
    backup: env.BACKUP_INTERVAL_HOURS > 0 ? { bucket: env.BACKUP_BUCKET, intervalMs: env.BACKUP_INTERVAL_HOURS * 3600 * 1000, keep: env.BACKUP_KEEP } : undefined,
  };
}
