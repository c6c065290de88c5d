/** The workers' settings from the environment (already checked by config/env.ts), for the worker and embedded processes. */
import type { Env } from '../config/env';
import type { WorkerOptions } from './index';

export function workerOptionsFromEnv(env: Pick<Env, 'ARCHIVE_AFTER_DAYS' | 'ARCHIVE_INTERVAL_MINUTES'>): Pick<WorkerOptions, 'archiveAfterMs' | 'archiveIntervalMs'> {
  return { archiveAfterMs: env.ARCHIVE_AFTER_DAYS * 24 * 3600 * 1000, archiveIntervalMs: env.ARCHIVE_INTERVAL_MINUTES * 60 * 1000 };
}
