/**
 * What /metrics tells operators about labs, read as Prometheus reads it while a student starts a lab through
 * the API and RabbitMQ workers (Postgres, Redis, bubblewrap): start durations, failures by reason, instances
 * by phase, job outcomes and queue depths, check runs, archive durations and bytes. The API and the
 * workers run in this process, as in an embedded install, so one scrape of the API shows both.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import type { Disposable } from '@autolabs/common/disposable';
import { silentLogger } from '@autolabs/server/infra/database/testing/silent-logger';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { labOwner } from '@autolabs/server/labs/lab-owner';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { startWorkers } from '@autolabs/server/workers/index';
import { LAB_YAML, createHarness, seedWorld, type Harness, type World } from './api-harness';
import { sample } from './metrics-scrape';

const METRICS_TOKEN = 'lab-scrape-token-0123456789abcdef';
/** The harness lab under its own name, with one check that passes. */
const CHECKED_LAB = `${LAB_YAML.replace('name: api-test-lab', 'name: metrics-lab')}  checks:
    - name: a home directory
      command: [test, -d, /home/student]
`;

let h: Harness;
let w: World;
let app: FastifyInstance;
let workers: Disposable;

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq', env: { METRICS_TOKEN } });
  w = await seedWorld(h);
  app = await buildApp(h.services);
  // maxAttempts 2: a broken job is retried once, then dead-lettered.
  workers = await startWorkers(h.services, { log: silentLogger(), maxAttempts: 2, prefetch: 1, periodicIntervalMs: 0 });
}, 60_000);

afterAll(async () => {
  await workers?.dispose();
  await app?.close();
  await h?.close();
});

async function scrape(): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

const metric = async (name: string, labels: Record<string, string> = {}) => sample(await scrape(), name, labels) ?? 0;
const prisma = () => h.services.db.prisma;
const statusOf = async (id: string) => (await prisma().labInstance.findUniqueOrThrow({ where: { id } })).status;

describe('lab metrics through the API and the workers', () => {
  let instanceId: string;

  it('a start through the API is timed from queued to running, and the phases, job outcomes and queue depths follow it', async () => {
    const lab = await storeLab(h.services, CHECKED_LAB, { createdById: h.users.teacher.id, courseId: w.course.id });
    const assignment = await prisma().assignment.create({ data: { courseId: w.course.id, labConfigId: lab.id, title: 'Metrics' } });
    const before = await scrape();
    const started = sample(before, 'autolabs_lab_start_duration_seconds_count') ?? 0;
    const deploysDone = sample(before, 'autolabs_queue_jobs_total', { queue: 'lab.deploy', outcome: 'done' }) ?? 0;
    const startsDone = sample(before, 'autolabs_queue_jobs_total', { queue: 'lab.start', outcome: 'done' }) ?? 0;

    const queuedAt = Date.now();
    const view = await h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id });
    instanceId = view.id;
    // The row moves to running before the worker's job is settled: the job counted done is the event.
    await waitFor('the lab.start job done', async () => (await metric('autolabs_queue_jobs_total', { queue: 'lab.start', outcome: 'done' })) === startsDone + 1, 30_000);
    const runningAt = Date.now();
    expect(await statusOf(instanceId)).toBe('running');

    const after = await scrape();
    expect(sample(after, 'autolabs_lab_start_duration_seconds_count')).toBe(started + 1);
    const took = sample(after, 'autolabs_lab_start_duration_seconds_sum')! - (sample(before, 'autolabs_lab_start_duration_seconds_sum') ?? 0);
    expect(took).toBeGreaterThan(0);
    expect(took).toBeLessThanOrEqual((runningAt - queuedAt) / 1000);
    expect(sample(after, 'autolabs_queue_jobs_total', { queue: 'lab.deploy', outcome: 'done' })).toBe(deploysDone + 1);
    expect(sample(after, 'autolabs_queue_jobs_total', { queue: 'lab.start', outcome: 'done' })).toBe(startsDone + 1);
    for (const [phase, count] of Object.entries(await phaseCounts())) {
      expect(sample(after, 'autolabs_lab_instances', { phase }), phase).toBe(count);
    }
    expect(sample(after, 'autolabs_lab_instances', { phase: 'running' })).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'autolabs_lab_instances', { phase: 'stopping' })).toBe(0);
    for (const queue of ['lab.deploy', 'lab.start', 'lab.stop', 'lab.archive']) {
      expect(sample(after, 'autolabs_queue_depth', { queue, state: 'ready' }), queue).toBe(0);
      expect(sample(after, 'autolabs_queue_depth', { queue, state: 'dead' }), queue).toBe(0);
    }
    // The notification queues the API consumes are measured too (their ready count may hold the lab-ready notice in flight).
    for (const queue of ['student.notifications', 'teacher.notifications']) {
      expect(sample(after, 'autolabs_queue_depth', { queue, state: 'dead' }), queue).toBe(0);
    }
  });

  it("a run of the lab's checks is counted by outcome and timed", async () => {
    const before = await scrape();
    const result = await h.callerFor('otherStudent').instances.check({ id: instanceId });
    expect(result.results.map((r) => r.passed)).toEqual([true]);
    const after = await scrape();
    expect(sample(after, 'autolabs_lab_check_runs_total', { outcome: 'passed' })).toBe((sample(before, 'autolabs_lab_check_runs_total', { outcome: 'passed' }) ?? 0) + 1);
    expect(sample(after, 'autolabs_lab_check_run_duration_seconds_count')).toBe((sample(before, 'autolabs_lab_check_run_duration_seconds_count') ?? 0) + 1);
  });

  it('an archive is timed and its bytes counted: exactly the size recorded on the instance', async () => {
    const bytesBefore = await metric('autolabs_archive_bytes_total');
    const archivesBefore = await metric('autolabs_archive_duration_seconds_count', { outcome: 'archived' });
    const archiveJobsBefore = await metric('autolabs_queue_jobs_total', { queue: 'lab.archive', outcome: 'done' });
    await h.callerFor('otherStudent').instances.stop({ id: instanceId });
    await waitFor('the lab stopped', async () => (await statusOf(instanceId)) === 'stopped', 30_000);
    await h.services.queue.publish('lab.archive', { instanceId });
    await waitFor('the lab.archive job done', async () => (await metric('autolabs_queue_jobs_total', { queue: 'lab.archive', outcome: 'done' })) === archiveJobsBefore + 1, 30_000);
    const row = await prisma().labInstance.findUniqueOrThrow({ where: { id: instanceId } });
    expect(row.status).toBe('archived');
    expect(row.archiveSize).toBeGreaterThan(0n);
    const after = await scrape();
    expect(sample(after, 'autolabs_archive_bytes_total')).toBe(bytesBefore + Number(row.archiveSize));
    expect(sample(after, 'autolabs_archive_duration_seconds_count', { outcome: 'archived' })).toBe(archivesBefore + 1);
    expect(sample(after, 'autolabs_lab_instances', { phase: 'archived' })).toBe((await phaseCounts()).archived);
  });

  it('a lab that cannot start is counted as a start failure by its reason', async () => {
    // A lab config whose YAML is gone from the object store: the deployment fails with NOT_FOUND.
    const sha256 = createHash('sha256').update(randomUUID()).digest('hex');
    const lab = await prisma().labConfig.create({
      data: { owner: labOwner({ courseId: w.course.id, createdById: h.users.teacher.id }), name: 'gone-lab', version: 1, title: 'Gone', objectKey: `sha256/${sha256}.yaml`, sha256, createdById: h.users.teacher.id, courseId: w.course.id },
    });
    const deployment = await prisma().labDeployment.create({
      data: { labConfigId: lab.id, courseId: w.course.id, mode: 'per_student', createdById: h.users.teacher.id, instances: { create: [{ ownerUserId: h.users.otherStudent.id }] } },
      include: { instances: true },
    });
    const failuresBefore = await metric('autolabs_lab_start_failures_total', { reason: 'NOT_FOUND' });
    const deploysBefore = await metric('autolabs_queue_jobs_total', { queue: 'lab.deploy', outcome: 'done' });
    await h.services.queue.publish('lab.deploy', { deploymentId: deployment.id, queuedAt: Date.now() });
    await waitFor('the lab.deploy job done', async () => (await metric('autolabs_queue_jobs_total', { queue: 'lab.deploy', outcome: 'done' })) === deploysBefore + 1, 30_000);
    expect(await statusOf(deployment.instances[0].id)).toBe('failed');
    expect(await metric('autolabs_lab_start_failures_total', { reason: 'NOT_FOUND' })).toBe(failuresBefore + 1);
  });

  it('a job that keeps failing is counted retried, then dead-lettered, and shows in the dead-letter depth', async () => {
    const before = await scrape();
    await h.services.queue.publish('lab.stop', { instanceId: 'not-a-uuid', reason: 'user' });
    await waitFor('the broken job dead-lettered', async () => (await h.services.queue.deadLetters('lab.stop')).length === 1, 30_000);
    await waitFor('the dead-lettering counted', async () => (await metric('autolabs_queue_jobs_total', { queue: 'lab.stop', outcome: 'dead_lettered' })) === 1);
    const after = await scrape();
    const delta = (outcome: string) =>
      (sample(after, 'autolabs_queue_jobs_total', { queue: 'lab.stop', outcome }) ?? 0) - (sample(before, 'autolabs_queue_jobs_total', { queue: 'lab.stop', outcome }) ?? 0);
    expect([delta('retried'), delta('dead_lettered')]).toEqual([1, 1]);
    expect(sample(after, 'autolabs_queue_depth', { queue: 'lab.stop', state: 'dead' })).toBe(1);
  });
});

async function phaseCounts(): Promise<Record<string, number>> {
  const phases = ['pending', 'starting', 'running', 'stopping', 'stopped', 'failed', 'archived'];
  const rows = await prisma().labInstance.groupBy({ by: ['status'], _count: { _all: true } });
  return Object.fromEntries(phases.map((p) => [p, rows.find((r) => r.status === p)?._count._all ?? 0]));
}
