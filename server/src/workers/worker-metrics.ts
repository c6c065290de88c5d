/**
 * What the workers tell /metrics (ops/lab-metrics.ts, ops/queue-metrics.ts): while they run, the instance
 * phases and queue depths are read from the database and the broker at each scrape; every delivery is
 * counted by outcome and timed; archives are timed by outcome.
 */
import type { Disposable } from '@autolabs/common/disposable';
import type { QueueName } from '../infra/queue/job-queue';
import { archiveDuration, instancePhases } from '../ops/lab-metrics';
import { queueDepths, queueJobDuration, queueJobs, type JobOutcome } from '../ops/queue-metrics';
import type { WorkerServices } from './worker-context';

/** Every queue's depth, the notification queues the API consumes too: a stalled consumer shows as a growing queue. */
const QUEUES: QueueName[] = ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive', 'student.notifications', 'teacher.notifications'];

export function reportWorkerState(services: Pick<WorkerServices, 'db' | 'queue'>): Disposable {
  const phases = instancePhases.register(async () => {
    const rows = await services.db.prisma.labInstance.groupBy({ by: ['status'], _count: { _all: true } });
    return new Map(rows.map((r) => [r.status, r._count._all]));
  });
  const depths = queueDepths.register(async () => new Map(await Promise.all(QUEUES.map(async (q) => [q, await services.queue.depth(q)] as const))));
  return {
    dispose() {
      phases.dispose();
      depths.dispose();
    },
  };
}

/** Runs one delivery's handler, counting its outcome as the queue will settle it. */
export async function observeJob(queue: QueueName, attempt: number, maxAttempts: number, handle: () => Promise<unknown>): Promise<void> {
  const end = queueJobDuration.startTimer({ queue });
  let outcome: JobOutcome = 'done';
  try {
    await handle();
  } catch (e) {
    outcome = attempt >= maxAttempts ? 'dead_lettered' : 'retried';
    throw e;
  } finally {
    end();
    queueJobs.inc({ queue, outcome });
  }
}

/** Times an archive that was made or failed; one found already done (a redelivery) is not an archive run. */
export async function observeArchive<T>(archive: () => Promise<T>): Promise<T> {
  const end = archiveDuration.startTimer();
  try {
    const outcome = await archive();
    if (outcome === 'archived') end({ outcome: 'archived' });
    return outcome;
  } catch (e) {
    end({ outcome: 'failed' });
    throw e;
  }
}
