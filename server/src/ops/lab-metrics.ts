/**
 * Metrics of lab lifecycles, for the questions operators ask during a class: how long do starts take and
 * why do they fail, how many labs are in each phase, do archives succeed and how much do they move, are
 * checks being run. Observed by the workers (starts, archives, phases) and the API (check runs); names and
 * the alerts built on them: docs/operations.md, "Metrics and alerts".
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { InstanceStatus } from '../generated/prisma/enums';
import { metricsRegistry } from '@autolabs/common/ops/metrics';
import { ScrapeSource } from './scrape-source';

const registers = [metricsRegistry];

export const labStartDuration = new Histogram({
  name: 'autolabs_lab_start_duration_seconds',
  help: 'From a lab start being queued (the API accepted it) to its instance running',
  buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
  registers,
});

export const labStartFailures = new Counter({
  name: 'autolabs_lab_start_failures_total',
  help: 'Instances marked failed while starting, by reason (the error code)',
  labelNames: ['reason'] as const,
  registers,
});

/** Instances per phase, read from the database when scraped (reported by the workers). */
export const instancePhases = new ScrapeSource<Map<string, number>>();

new Gauge({
  name: 'autolabs_lab_instances',
  help: 'Lab instances by phase (the database rows; every worker replica reports the same numbers)',
  labelNames: ['phase'] as const,
  registers,
  async collect() {
    this.reset();
    const counts = await instancePhases.read();
    if (!counts) return;
    for (const phase of Object.values(InstanceStatus)) this.set({ phase }, counts.get(phase) ?? 0);
  },
});

export const archiveDuration = new Histogram({
  name: 'autolabs_archive_duration_seconds',
  help: 'Archiving one instance (export, upload, verify, destroy), by outcome: archived or failed',
  labelNames: ['outcome'] as const,
  buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
  registers,
});

export const archiveBytes = new Counter({
  name: 'autolabs_archive_bytes_total',
  help: 'Bytes of archives (tar.gz) uploaded and verified',
  registers,
});

export const checkRuns = new Counter({
  name: 'autolabs_lab_check_runs_total',
  help: "Runs of a lab's checks, by outcome: passed (every check), failed (some check), error (could not run)",
  labelNames: ['outcome'] as const,
  registers,
});

export const checkRunDuration = new Histogram({
  name: 'autolabs_lab_check_run_duration_seconds',
  help: "Running all of a lab's checks once",
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  registers,
});

// Series that alerts take increase() of exist from the start at 0, so their first event is counted.
for (const outcome of ['archived', 'failed']) archiveDuration.zero({ outcome });
for (const outcome of ['passed', 'failed', 'error']) checkRuns.inc({ outcome }, 0);
