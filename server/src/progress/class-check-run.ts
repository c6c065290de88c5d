/**
 * A teacher runs a deployment's checks for the whole class at once. Each lab's checks are an exec per
 * check (run-checks.ts), up to their timeout each, so a class of 30 done one lab after another could take
 * minutes: the run goes on in the background, CLASS_CHECK_CONCURRENCY labs at a time, and each lab's
 * results are stored as a submission for each of its students (ranById: the teacher) the moment they come
 * back, so the progress table fills in while the run goes on. A lab that is not running (or stops before its
 * turn) is reported as such and nothing is stored for it: not running is not failing.
 *
 * Runs are kept in this process: one at a time per deployment (another is CONFLICT until it finishes), and
 * progress.get shows the run's counts to callers that reach this replica. Another API replica does not see
 * the run, so it could start a second one for the same deployment; the second only adds submissions.
 * A run dies with its process; the results stored so far stay.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { InstanceStatus, LabDeployment, LabInstance, PrismaClient } from '../generated/prisma/client';
import { AppError } from '@autolabs/common/errors/app-error';
import type { LabConfig } from '../labs/lab-config';
import { runLabChecks } from '../labs/run-checks';
import type { LabRuntime } from '../runtime/lab-runtime';
import { handleOf } from '../runtime/runtime-handle';
import { studentsOfDeployment } from './class-progress';

export const CLASS_CHECK_CONCURRENCY = 4;
/** A finished run's counts stay readable this long, then make room. */
const KEEP_FINISHED_MS = 60 * 60_000;

export interface ClassCheckRun {
  startedAt: string;
  finishedAt: string | null;
  /** Labs that were running when the run began: the ones it checks. */
  total: number;
  /** Of those, checked so far (results stored). */
  checked: number;
  /** Of those, labs whose checks could not run at all (the runtime failed; logged). */
  failed: number;
  /** Labs not running, when the run began or when their turn came, with their students; nothing stored. */
  notRunning: { instanceId: string; status: InstanceStatus; userIds: string[] }[];
}

export interface ClassCheckDeps {
  prisma: PrismaClient;
  runtime: LabRuntime;
  log: FastifyBaseLogger;
}

interface Target {
  instanceId: string;
  userIds: string[];
}

const runs = new Map<string, { view: ClassCheckRun; done: Promise<void> }>();

const isRunning = (i: Pick<LabInstance, 'status' | 'runtimeHandle'> | null) => i?.status === 'running' && i.runtimeHandle !== null;
const copy = (view: ClassCheckRun): ClassCheckRun => ({ ...view, notRunning: view.notRunning.map((n) => ({ ...n, userIds: [...n.userIds] })) });

/** The latest run of this deployment's checks in this process (going on or finished within the hour), or null. */
export function classCheckRunOf(deploymentId: string): ClassCheckRun | null {
  const run = runs.get(deploymentId);
  return run ? copy(run.view) : null;
}

/** Resolves when this deployment's current run (if any) has finished. */
export async function classCheckRunSettled(deploymentId: string): Promise<void> {
  await runs.get(deploymentId)?.done;
}

/**
 * Starts a run of the deployment's checks for its whole class and answers at once with what it will do
 * (how many labs it checks, which are not running). CONFLICT while a run of this deployment goes on, or
 * when the deployment has no assignment to record submissions for.
 */
export async function startClassCheckRun(
  deps: ClassCheckDeps,
  deployment: Pick<LabDeployment, 'id' | 'courseId' | 'assignmentId'>,
  config: LabConfig,
  ranById: string,
  field = 'id',
): Promise<ClassCheckRun> {
  pruneFinished();
  if (runs.get(deployment.id)?.view.finishedAt === null) {
    throw new AppError('CONFLICT', 'the checks are already running for this class; wait until they finish', { field });
  }
  const assignmentId = deployment.assignmentId;
  if (!assignmentId) throw new AppError('CONFLICT', 'this deployment belongs to no assignment, so its results cannot be stored', { field });
  const view: ClassCheckRun = { startedAt: new Date().toISOString(), finishedAt: null, total: 0, checked: 0, failed: 0, notRunning: [] };
  // Claimed before the first await, so two clicks at once start one run.
  const entry = { view, done: Promise.resolve() };
  runs.set(deployment.id, entry);
  let targets: Target[];
  try {
    targets = await plan(deps.prisma, deployment, view);
  } catch (e) {
    view.finishedAt = new Date().toISOString();
    throw e;
  }
  view.total = targets.length;
  entry.done = eachLimited(targets, CLASS_CHECK_CONCURRENCY, (t) => checkLab(deps, { assignmentId, config, ranById }, t, view))
    .catch((e: unknown) => deps.log.error({ err: e, deploymentId: deployment.id }, 'class check run failed'))
    .finally(() => {
      view.finishedAt = new Date().toISOString();
      deps.log.info({ deploymentId: deployment.id, ...view, notRunning: view.notRunning.length }, 'class check run finished');
    });
  return copy(view);
}

/** The deployment's labs with their students: the running ones to check; the others go to view.notRunning. */
async function plan(prisma: PrismaClient, deployment: Pick<LabDeployment, 'id' | 'courseId'>, view: ClassCheckRun): Promise<Target[]> {
  const { students } = await studentsOfDeployment(prisma, deployment);
  const byInstance = new Map<string, string[]>();
  for (const [userId, instance] of students) byInstance.set(instance.id, [...(byInstance.get(instance.id) ?? []), userId]);
  const instances = await prisma.labInstance.findMany({ where: { id: { in: [...byInstance.keys()] } }, select: { id: true, status: true, runtimeHandle: true } });
  const targets: Target[] = [];
  for (const i of instances) {
    const userIds = byInstance.get(i.id)!;
    if (isRunning(i)) targets.push({ instanceId: i.id, userIds });
    else view.notRunning.push({ instanceId: i.id, status: i.status, userIds });
  }
  return targets;
}

async function checkLab(
  deps: ClassCheckDeps,
  run: { assignmentId: string; config: LabConfig; ranById: string },
  target: Target,
  view: ClassCheckRun,
): Promise<void> {
  const notRunning = (status: InstanceStatus): void => {
    view.notRunning.push({ instanceId: target.instanceId, status, userIds: target.userIds });
  };
  try {
    const instance = await deps.prisma.labInstance.findUnique({ where: { id: target.instanceId } });
    if (!instance || !isRunning(instance)) return notRunning(instance?.status ?? 'stopped');
    const results = await runLabChecks(deps.runtime, handleOf(instance), run.config, deps.log);
    // Every check unable to run: if the lab stopped meanwhile, that is why; it did not fail.
    if (results.length > 0 && results.every((r) => r.exitCode === null)) {
      const now = await deps.prisma.labInstance.findUnique({ where: { id: target.instanceId }, select: { status: true, runtimeHandle: true } });
      if (!isRunning(now)) return notRunning(now?.status ?? 'stopped');
    }
    const score = results.length === 0 ? null : results.filter((r) => r.passed).length / results.length;
    await deps.prisma.submission.createMany({
      data: target.userIds.map((userId) => ({ assignmentId: run.assignmentId, instanceId: target.instanceId, userId, results, score, ranById: run.ranById })),
    });
    view.checked++;
  } catch (e) {
    deps.log.warn({ err: e, instanceId: target.instanceId }, 'class check run: the checks of a lab could not run');
    view.failed++;
  }
}

/** Calls `fn` on every item, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function pruneFinished(): void {
  const cutoff = Date.now() - KEEP_FINISHED_MS;
  for (const [id, run] of runs) {
    if (run.view.finishedAt !== null && Date.parse(run.view.finishedAt) < cutoff) runs.delete(id);
  }
}
