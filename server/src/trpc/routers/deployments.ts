import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { labResources } from '../../labs/lab-resources';
import { requireCourseTeacher, requireLabInCourse, taughtCourseIds } from '../access';
import { fail } from '../errors';
import { authedProcedure, roleProcedure, router, type AuthedContext } from '../init';
import { startForClass, type NamedTarget } from '../class-start';
import { stopInstances } from '../lab-jobs';
import { loadLabConfig } from '../lab-store';
import { latestTimeRequests } from '../time-request-views';
import { deploymentView, instanceView } from '../views';

const id = z.uuid();

/** Admin, the course's teachers, or whoever started it. */
async function requireDeployment(ctx: AuthedContext, deploymentId: string) {
  const d = await ctx.services.db.prisma.labDeployment.findUnique({ where: { id: deploymentId } });
  if (!d) fail('NOT_FOUND', 'no such deployment', { field: 'id' });
  if (ctx.caller.role === 'admin' || d.createdById === ctx.caller.id) return d;
  if (d.courseId) {
    await requireCourseTeacher(ctx, d.courseId, 'id');
    return d;
  }
  fail('FORBIDDEN', 'this deployment is not yours', { field: 'id' });
}

export const deploymentsRouter = router({
  /**
   * Starts a lab for a course: per_student labs get one instance per chosen student (default: every
   * student), per_group labs one per chosen group (default: every group), shared labs one instance.
   * Each target on its own (class-start.ts): those already running the lab keep it, students over their
   * quota are reported in `refused` by name, the rest start (`deployment` is null when nobody new did). Without `assignmentId` the course's
   * assignment of the lab is used, or one is created, so students see the lab in My labs.
   */
  start: authedProcedure
    .input(
      z.object({
        labConfigId: id,
        courseId: id,
        assignmentId: id.optional(),
        studentIds: z.array(id).max(1000).optional(),
        groupIds: z.array(id).max(1000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const lab = await requireLabInCourse(ctx, input);
      const prisma = ctx.services.db.prisma;
      if (input.assignmentId) {
        const a = await prisma.assignment.findUnique({ where: { id: input.assignmentId } });
        if (!a || a.courseId !== input.courseId) fail('NOT_FOUND', 'no such assignment in this course', { field: 'assignmentId' });
        if (a.labConfigId !== lab.id) fail('BAD_INPUT', 'this assignment is for another lab', { field: 'assignmentId' });
      }
      const config = await loadLabConfig(ctx.services, lab);
      const mode = config.spec.mode;
      let targets: NamedTarget[];
      if (mode === 'per_student') {
        const students = await prisma.courseMember.findMany({
          where: { courseId: input.courseId, role: 'student', ...(input.studentIds ? { userId: { in: input.studentIds } } : {}) },
          select: { userId: true, user: { select: { displayName: true } } },
        });
        const found = new Set(students.map((s) => s.userId));
        const stranger = input.studentIds?.find((s) => !found.has(s));
        if (stranger) fail('BAD_INPUT', `user ${stranger} is not a student of this course`, { field: 'studentIds' });
        targets = students.map((s) => ({ ownerUserId: s.userId, name: s.user.displayName }));
      } else if (mode === 'per_group') {
        const groups = await prisma.studentGroup.findMany({
          where: { courseId: input.courseId, ...(input.groupIds ? { id: { in: input.groupIds } } : {}) },
          select: { id: true, name: true },
        });
        if (input.groupIds && groups.length !== new Set(input.groupIds).size) fail('BAD_INPUT', 'every group must belong to this course', { field: 'groupIds' });
        targets = groups.map((g) => ({ groupId: g.id, name: `group ${g.name}` }));
      } else {
        targets = [{ name: 'the whole course' }];
      }
      const field = mode === 'per_group' ? 'groupIds' : 'studentIds';
      if (targets.length === 0) fail('BAD_INPUT', mode === 'per_group' ? 'the course has no groups to deploy to' : 'the course has no students to deploy to', { field });
      const { deployment: d, assignment, alreadyRunning, refused } = await startForClass(ctx.services, {
        lab,
        courseId: input.courseId,
        assignmentId: input.assignmentId ?? null,
        mode,
        createdById: ctx.caller.id,
        targets,
        resources: labResources(config),
        field,
      });
      return {
        deployment: d ? deploymentView(d) : null,
        assignment: { id: assignment.id, title: assignment.title },
        instances: d ? d.instances.map(instanceView) : [],
        alreadyRunning,
        refused,
      };
    }),

  stop: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    await requireDeployment(ctx, input.id);
    const prisma = ctx.services.db.prisma;
    const stopping = await stopInstances(ctx.services, { deploymentId: input.id }, 'deployment');
    const d = await prisma.labDeployment.update({
      where: { id: input.id },
      data: stopping.length > 0 ? { status: 'stopping' } : { status: 'stopped', stoppedAt: new Date() },
    });
    return { ...deploymentView(d), stoppingInstances: stopping.length };
  }),

  status: authedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    await requireDeployment(ctx, input.id);
    const d = await ctx.services.db.prisma.labDeployment.findUniqueOrThrow({
      where: { id: input.id },
      include: { instances: { include: { deployment: true }, orderBy: { createdAt: 'asc' } } },
    });
    const requests = await latestTimeRequests(ctx.services.db.prisma, d.instances.map((i) => i.id));
    return { ...deploymentView(d), instances: d.instances.map((i) => ({ ...instanceView(i), timeRequest: requests.get(i.id) ?? null })) };
  }),

  list: roleProcedure('teacher', 'admin').input(z.object({ courseId: id.optional() }).default({})).query(async ({ ctx, input }) => {
    let where: Prisma.LabDeploymentWhereInput;
    if (input.courseId) {
      await requireCourseTeacher(ctx, input.courseId);
      where = { courseId: input.courseId };
    } else if (ctx.caller.role === 'admin') {
      where = {};
    } else {
      where = { OR: [{ courseId: { in: await taughtCourseIds(ctx) } }, { createdById: ctx.caller.id, courseId: null }] };
    }
    const rows = await ctx.services.db.prisma.labDeployment.findMany({
      where,
      include: { _count: { select: { instances: true } } },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    return rows.map((d) => ({ ...deploymentView(d), instanceCount: d._count.instances }));
  }),
});
