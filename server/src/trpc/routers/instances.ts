import { z } from 'zod';
import { labResources } from '../../labs/lab-resources';
import { runLabChecks } from '../../labs/run-checks';
import { courseRoleOf, requireInstance, usableBy } from '../access';
import { fail } from '../errors';
import { authedProcedure, router } from '../init';
import { insertDeployment, publishDeployment, restartInstance, stopInstances } from '../lab-jobs';
import { findRunningLab } from '../class-start';
import { labSlot } from '../lab-slot';
import { loadLabConfig } from '../lab-store';
import { LIVE_STATUSES, assertInstanceQuota, lockUsers } from '../quota';
import { instanceView } from '../views';
import { latestTimeRequests } from '../time-request-views';
import { handleOf } from '../../runtime/runtime-handle';
import { restoreArchive, storedArchiveOf } from '../../archives/restore-archive';

const id = z.uuid();

export const instancesRouter = router({
  mine: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.services.db.prisma.labInstance.findMany({
      where: { AND: [usableBy(ctx.caller.id), { status: { not: 'archived' } }] },
      include: { deployment: true },
      orderBy: { createdAt: 'desc' },
      take: 100,
    });
    return rows.map(instanceView);
  }),

  /** The caller's archived labs, newest first, each with its archive to download. */
  archived: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.services.db.prisma.labInstance.findMany({
      where: { AND: [usableBy(ctx.caller.id), { status: 'archived' }, { archiveKey: { not: null } }] },
      include: { deployment: true },
      orderBy: { archivedAt: 'desc' },
      take: 100,
    });
    return rows.map(instanceView);
  }),

  /**
   * The instance, with its lab's name, title and instructions (metadata.description, Markdown) and its
   * latest request for more time (a pending one first), for the lab page.
   */
  get: authedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const { instance } = await requireInstance(ctx, input.id, 'oversee');
    const prisma = ctx.services.db.prisma;
    const lab = await prisma.labConfig.findUniqueOrThrow({ where: { id: instance.deployment.labConfigId } });
    const timeRequest = (await latestTimeRequests(prisma, [instance.id])).get(instance.id) ?? null;
    return { ...instanceView(instance), lab: { name: lab.name, title: lab.title, description: lab.description }, timeRequest };
  }),

  /**
   * A student starts their lab for an assignment: the lab already running in their slot if there is one
   * (their own, their group's or the course's, by the lab's mode: lab-slot.ts; the same lab in the same
   * course, whichever assignment or class start began it), a stopped one of this assignment started again
   * (same storage), or a new deployment for that slot.
   */
  start: authedProcedure.input(z.object({ assignmentId: id })).mutation(async ({ ctx, input }) => {
    const prisma = ctx.services.db.prisma;
    const assignment = await prisma.assignment.findUnique({ where: { id: input.assignmentId }, include: { labConfig: true } });
    if (!assignment) fail('NOT_FOUND', 'no such assignment', { field: 'assignmentId' });
    if (ctx.caller.role !== 'admin' && (await courseRoleOf(ctx, assignment.courseId)) !== 'student') {
      fail('FORBIDDEN', 'you are not a student of this course', { field: 'assignmentId' });
    }
    const me = ctx.caller.id;
    const config = await loadLabConfig(ctx.services, assignment.labConfig);
    const resources = labResources(config);
    const slot = await labSlot(prisma, config.spec.mode, me, assignment);
    // Decide and write under the slot's lock, so concurrent clicks converge on one instance.
    const decision = await prisma.$transaction(async (tx) => {
      await lockUsers(tx, [slot.lockKey]);
      const running = await findRunningLab(tx, slot.where, assignment.courseId, assignment.labConfigId);
      if (running) {
        // Deployments made before every class start had an assignment: this one now shows under it.
        if (running.deployment.assignmentId === null) {
          await tx.labDeployment.update({ where: { id: running.deploymentId }, data: { assignmentId: assignment.id } });
          running.deployment.assignmentId = assignment.id;
        }
        return { kind: 'live' as const, instance: running };
      }
      const latest = await tx.labInstance.findFirst({
        where: { AND: [slot.where, { deployment: { assignmentId: assignment.id } }] },
        include: { deployment: true },
        orderBy: { createdAt: 'desc' },
      });
      if (latest && LIVE_STATUSES.includes(latest.status)) return { kind: 'live' as const, instance: latest };
      await assertInstanceQuota(tx, slot.owners, assignment.courseId, resources, 'assignmentId');
      if (latest?.status === 'stopped' && latest.runtimeHandle !== null) {
        const instance = await tx.labInstance.update({
          where: { id: latest.id },
          data: { status: 'pending', statusReason: null, stoppedAt: null, ...resources },
          include: { deployment: true },
        });
        return { kind: 'restart' as const, instance };
      }
      const d = await insertDeployment(tx, {
        labConfigId: assignment.labConfigId,
        courseId: assignment.courseId,
        assignmentId: assignment.id,
        mode: config.spec.mode,
        createdById: me,
        targets: [slot.target],
        resources,
        quotaField: 'assignmentId',
      });
      return { kind: 'new' as const, instance: d.instances[0] };
    });
    if (decision.kind === 'restart') await restartInstance(ctx.services, decision.instance.id);
    if (decision.kind === 'new') await publishDeployment(ctx.services, decision.instance.deploymentId);
    return instanceView(decision.instance);
  }),

  stop: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    const { relation } = await requireInstance(ctx, input.id, 'oversee');
    const reason = relation === 'user' ? 'user' : relation === 'teacher' ? 'teacher' : 'admin';
    await stopInstances(ctx.services, { id: input.id }, reason);
    const instance = await ctx.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id: input.id }, include: { deployment: true } });
    return instanceView(instance);
  }),

  /**
   * A teacher (or admin) restores an archived instance's volume into another instance of their course, which
   * must be stopped and have started once (so it has storage): its files are replaced by the archive's,
   * others kept. The archive is checked against its recorded checksum first (ARCHIVE_CORRUPT). The student
   * finds the files when the lab starts again.
   */
  restore: authedProcedure.input(z.object({ id, fromId: id })).mutation(async ({ ctx, input }) => {
    const { instance: target, relation } = await requireInstance(ctx, input.id, 'oversee');
    if (relation === 'user') fail('FORBIDDEN', 'only a teacher of the course may restore an archive', { field: 'id' });
    const { instance: source } = await requireInstance(ctx, input.fromId, 'oversee', 'fromId');
    const archive = source.status === 'archived' ? storedArchiveOf(source) : null;
    if (!archive) fail('NOT_FOUND', `lab instance ${source.id} has no archive (it is ${source.status})`, { field: 'fromId' });
    if (target.status !== 'stopped' || target.runtimeHandle === null) {
      fail('CONFLICT', `the lab to restore into is ${target.status}; restore into a stopped lab that has run once`, { field: 'id' });
    }
    const { runtime, objectStore, env } = ctx.services;
    await restoreArchive({ runtime, objectStore, bucket: env.S3_BUCKET_VOLUMES }, archive, handleOf(target));
    ctx.log.info({ instanceId: target.id, from: source.id, archiveKey: archive.key }, 'archive restored');
    return instanceView(target);
  }),

  /** Runs the lab's checks in the running instance and records the result as a submission. */
  check: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    const { instance, relation } = await requireInstance(ctx, input.id, 'oversee');
    if (instance.status !== 'running' || instance.runtimeHandle === null) {
      fail('CONFLICT', `the lab is ${instance.status}; checks run only while it is running`, { field: 'id' });
    }
    const prisma = ctx.services.db.prisma;
    const lab = await prisma.labConfig.findUniqueOrThrow({ where: { id: instance.deployment.labConfigId } });
    const config = await loadLabConfig(ctx.services, lab);
    const handle = handleOf(instance);
    const results = await runLabChecks(ctx.services.runtime, handle, config, ctx.log);
    const passed = results.filter((r) => r.passed).length;
    const score = results.length === 0 ? null : passed / results.length;
    // The run counts for the instance's student; on a group or shared lab, for the member who ran it.
    const student = instance.ownerUserId ?? (relation === 'user' ? ctx.caller.id : null);
    if (instance.deployment.assignmentId && student) {
      await prisma.submission.create({
        data: {
          assignmentId: instance.deployment.assignmentId,
          instanceId: instance.id,
          userId: student,
          results,
          score,
          ranById: ctx.caller.id,
        },
      });
    }
    return { instanceId: instance.id, results, passed, total: results.length, score };
  }),
});
