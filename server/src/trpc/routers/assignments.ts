import { z } from 'zod';
import { requireCourseMember, requireCourseTeacher, requireLabInCourse, usableBy } from '../access';
import { fail } from '../errors';
import { authedProcedure, router } from '../init';
import { LIVE_STATUSES } from '../quota';
import { assignmentView, instanceView } from '../views';

const id = z.uuid();

export const assignmentsRouter = router({
  list: authedProcedure.input(z.object({ courseId: id })).query(async ({ ctx, input }) => {
    await requireCourseMember(ctx, input.courseId);
    const rows = await ctx.services.db.prisma.assignment.findMany({
      where: { courseId: input.courseId },
      include: { labConfig: true },
      orderBy: [{ dueAt: 'asc' }, { createdAt: 'asc' }],
    });
    return rows.map((a) => ({ ...assignmentView(a), lab: { id: a.labConfig.id, name: a.labConfig.name, version: a.labConfig.version, title: a.labConfig.title } }));
  }),

  /**
   * Assignments of the courses I study in, each with my instance for it (if any): the lab running in my
   * slot for that lab and course (what Start would open, whichever assignment started it), else my latest
   * instance of this assignment.
   */
  mine: authedProcedure.query(async ({ ctx }) => {
    const prisma = ctx.services.db.prisma;
    const me = ctx.caller.id;
    const rows = await prisma.assignment.findMany({
      where: { course: { members: { some: { userId: me, role: 'student' } } } },
      include: {
        course: true,
        labConfig: true,
        deployments: {
          include: { instances: { where: usableBy(me), orderBy: { createdAt: 'desc' }, take: 1, include: { deployment: true } } },
          orderBy: { createdAt: 'desc' },
        },
      },
      orderBy: [{ dueAt: 'asc' }, { createdAt: 'asc' }],
    });
    const running = await prisma.labInstance.findMany({
      where: { AND: [usableBy(me), { status: { in: LIVE_STATUSES } }, { deployment: { courseId: { in: [...new Set(rows.map((a) => a.courseId))] } } }] },
      include: { deployment: true },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map((a) => {
      const own = a.deployments
        .flatMap((d) => d.instances)
        .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())[0];
      const sameLab = running.find((i) => i.deployment.courseId === a.courseId && i.deployment.labConfigId === a.labConfigId);
      const latest = own && LIVE_STATUSES.includes(own.status) ? own : (sameLab ?? own);
      return {
        ...assignmentView(a),
        course: { id: a.course.id, code: a.course.code, title: a.course.title },
        lab: { id: a.labConfig.id, name: a.labConfig.name, version: a.labConfig.version, title: a.labConfig.title },
        instance: latest ? instanceView(latest) : null,
      };
    });
  }),

  create: authedProcedure
    .input(
      z.object({
        courseId: id,
        labConfigId: id,
        title: z.string().trim().min(1).max(200),
        description: z.string().max(10_000).default(''),
        dueAt: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await requireLabInCourse(ctx, input);
      const a = await ctx.services.db.prisma.assignment.create({
        data: { ...input, dueAt: input.dueAt ? new Date(input.dueAt) : null },
      });
      return assignmentView(a);
    }),

  delete: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    const prisma = ctx.services.db.prisma;
    const a = await prisma.assignment.findUnique({ where: { id: input.id } });
    if (!a) fail('NOT_FOUND', 'no such assignment', { field: 'id' });
    await requireCourseTeacher(ctx, a.courseId, 'id');
    await prisma.assignment.delete({ where: { id: input.id } });
    return { id: input.id };
  }),
});
