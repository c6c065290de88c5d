/**
 * Metrics of the job queue as the workers see it: what became of each delivery (done, retried,
 * dead-lettered), how long handling took, and how many jobs wait in each queue and its dead-letter queue.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { QueueName } from '../infra/queue/job-queue';
import { metricsRegistry } from '@autolabs/common/ops/metrics';
import { ScrapeSource } from './scrape-source';

const registers = [metricsRegistry];

export type JobOutcome = 'done' | 'retried' | 'dead_lettered';

export const queueJobs = new Counter({
  name: 'autolabs_queue_jobs_total',
  help: 'Deliveries handled by this worker, by queue and outcome: done, retried (will be delivered again) or dead_lettered (attempts used up)',
  labelNames: ['queue', 'outcome'] as const,
  registers,
});

// Every queue and outcome from the start at 0, so the first retry or dead letter shows in increase().
for (const queue of ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive'] satisfies QueueName[]) {
  for (const outcome of ['done', 'retried', 'dead_lettered'] satisfies JobOutcome[]) queueJobs.inc({ queue, outcome }, 0);
}

export const queueJobDuration = new Histogram({
  name: 'autolabs_queue_job_duration_seconds',
  help: 'Handling one delivery, by queue',
  labelNames: ['queue'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  registers,
});

/** Jobs waiting per queue, asked of the broker when scraped (reported by the workers). */
export const queueDepths = new ScrapeSource<Map<QueueName, { ready: number; dead: number }>>();

new Gauge({
  name: 'autolabs_queue_depth',
  help: 'Jobs waiting in a queue (state ready) and in its dead-letter queue (state dead)',
  labelNames: ['queue', 'state'] as const,
  registers,
  async collect() {
    this.reset();
    const depths = await queueDepths.read();
    if (!depths) return;
    for (const [queue, { ready, dead }] of depths) {
      this.set({ queue, state: 'ready' }, ready);
      this.set({ queue, state: 'dead' }, dead);
    }
  },
});
