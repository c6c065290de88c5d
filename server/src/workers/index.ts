/**
 * The worker side of lab lifecycles: consumes lab.deploy / lab.start / lab.stop / lab.archive and runs
 * the periodic jobs (TTL expiry, idle culling, archiving after retention, the runtime's housekeeping,
 * noticing what happens to running labs behind our back, releasing what the runtime holds for instances
 * that do not run, backing up the database into the object store, warning students before their lab ends).
 * Starts and deploys publish what they tell people on student.notifications / teacher.notifications
 * (steps/with-notifications.ts). On start it re-issues the
 * jobs the rows say are owed (reconcile.ts), since an in-process queue forgets them on a crash. Every
 * step reads the rows, acts through the runtime, and moves the rows with conditional updates, so a job
 * delivered twice (or to two workers) converges on the same result. `dispose` stops taking jobs, waits
 * for the ones in flight, then stops the periodic jobs.
 */
import type { FastifyBaseLogger } from 'fastify';
import { makeLogger } from '@autolabs/common/process/run-process';
import type { z } from 'zod';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Disposable } from '@autolabs/common/disposable';
import type { JobContext, QueueName } from '../infra/queue/job-queue';
import { archiveJob, deployJob, startInstanceJob, stopJob } from './jobs';
import { LabConfigCache } from '../labs/lab-config-cache';
import { archiveStoppedInstances } from './periodic/archive-stopped';
import { targetRefusal } from '../backups/backup-target';
import { backupDatabaseWhenDue, type BackupSchedule } from './periodic/database-backup';
import { cullIdleInstances } from './periodic/idle-culling';
import { schedulePeriodic } from './periodic/scheduler';
import { reconcileOwedJobs } from './periodic/reconcile';
import { releaseOrphans } from './periodic/release-orphans';
import { watchRunningInstances } from './periodic/watch-running';
import { expireInstances } from './periodic/ttl-expiry';
import { archiveInstance } from './steps/archive-instance';
import { warnExpiringInstances } from './periodic/expiry-warning';
import { deployAndNotify, startInstanceAndNotify } from './steps/with-notifications';
import { stopInstance } from './steps/stop-instance';
import type { WorkerContext, WorkerServices } from './worker-context';
import { observeArchive, observeJob, reportWorkerState } from './worker-metrics';

export type { WorkerServices } from './worker-context';

export interface WorkerOptions {
  log?: FastifyBaseLogger;
  /** Deliveries before a job is dead-lettered (and its instance marked failed). Default 5. */
  maxAttempts?: number;
  /** Jobs one worker handles at once per queue. Default 2. */
  prefetch?: number;
  /** How often periodic jobs run; 0 turns them off. Default 60 s. */
  periodicIntervalMs?: number;
  /** Retention of a stopped instance's storage before it is archived. Default 7 days. */
  archiveAfterMs?: number;
  /** How often stopped instances are looked at for archiving. Default: every periodic run. */
  archiveIntervalMs?: number;
  /** Database backups into the object store (BACKUP_* settings); unset: none. */
  backup?: BackupSchedule;
  /** The clock the expiry warnings read; tests move it instead of waiting. Default: the system's. */
  now?: () => Date;
}

export const DEFAULT_ARCHIVE_AFTER_MS = 7 * 24 * 3600 * 1000;
/** The orphan sweep lists four kinds of object in the lab namespace; every 5 minutes is plenty. */
const RELEASE_ORPHANS_EVERY_MS = 5 * 60_000;

export async function startWorkers(services: WorkerServices, opts: WorkerOptions = {}): Promise<Disposable> {
  const log = opts.log ?? makeLogger(services.env, 'autolabs-worker');
  const ctx: WorkerContext = {
    services,
    log,
    configs: new LabConfigCache(services.objectStore, services.env.S3_BUCKET_CONFIGS),
    maxAttempts: opts.maxAttempts ?? 5,
    archiveAfterMs: opts.archiveAfterMs ?? DEFAULT_ARCHIVE_AFTER_MS,
  };
  await services.objectStore.ensureBucket(services.env.S3_BUCKET_VOLUMES);
  const backup = opts.backup;
  if (backup) {
    // Versioned: a backup deleted or overwritten by anything but our retention can be brought back. A bucket
    // we may not create is not worth stopping lab work for: the backup task reports it on every run.
    await services.objectStore
      .ensureBucket(backup.bucket, { versioned: true })
      .catch((err: unknown) => log.error({ err: targetRefusal(err, backup.bucket, 'create the backup bucket') }, 'backup bucket not ready'));
  }

  const inFlight = new Set<Promise<unknown>>();
  const consumeOpts = { maxAttempts: ctx.maxAttempts, prefetch: opts.prefetch ?? 2 };
  const consume = <S extends z.ZodType>(queue: QueueName, schema: S, handle: (job: z.infer<S>, delivery: JobContext) => Promise<unknown>) =>
    services.queue.consume(
      queue,
      (payload, jobCtx) =>
        observeJob(queue, jobCtx.attempt, ctx.maxAttempts, async () => {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) {
            throw new AppError('BAD_INPUT', `malformed ${queue} job`, { detail: { issues: parsed.error.issues } });
          }
          const run = handle(parsed.data, jobCtx);
          inFlight.add(run);
          try {
            await run;
          } finally {
            inFlight.delete(run);
          }
        }),
      consumeOpts,
    );

  const consumers = [
    await consume('lab.deploy', deployJob, (job) => deployAndNotify(ctx, job.deploymentId, job.queuedAt)),
    await consume('lab.start', startInstanceJob, (job, jobCtx) => startInstanceAndNotify(ctx, job.instanceId, jobCtx.attempt, job.queuedAt)),
    await consume('lab.stop', stopJob, (job) => stopInstance(ctx, job.instanceId, job.reason)),
    await consume('lab.archive', archiveJob, (job) => observeArchive(() => archiveInstance(ctx, job.instanceId))),
  ];
  const reporting = reportWorkerState(services);

  await reconcileOwedJobs(ctx);

  const intervalMs = opts.periodicIntervalMs ?? 60_000;
  const periodic =
    intervalMs > 0
      ? schedulePeriodic(
          [
            { name: 'ttl-expiry', run: async () => void (await expireInstances(ctx)) },
            { name: 'expiry-warning', run: async () => void (await warnExpiringInstances(ctx, opts.now?.())) },
            { name: 'idle-culling', run: async () => void (await cullIdleInstances(ctx)) },
            { name: 'archive-stopped', run: async () => void (await archiveStoppedInstances(ctx)), everyMs: opts.archiveIntervalMs },
            { name: 'runtime-housekeeping', run: async () => void (await services.runtime.housekeeping?.()) },
            { name: 'watch-running', run: async () => void (await watchRunningInstances(ctx)) },
            { name: 'release-orphans', run: async () => void (await releaseOrphans(ctx)), everyMs: RELEASE_ORPHANS_EVERY_MS },
            ...(backup ? [{ name: 'database-backup', run: async () => void (await backupDatabaseWhenDue(ctx, backup)) }] : []),
          ],
          intervalMs,
          log,
        )
      : null;
  log.info({ runtime: services.runtime.name, periodicIntervalMs: intervalMs }, 'workers started');

  let disposed = false;
  return {
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const c of consumers) await c.dispose();
      await Promise.allSettled([...inFlight]);
      await periodic?.dispose();
      reporting.dispose();
      log.info('workers stopped');
    },
  };
}
