import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import { requireCourseMember, requireCourseTeacher } from '../access';
import { fail } from '../errors';
import { authedProcedure, roleProcedure, router } from '../init';
import { LIVE_STATUSES } from '../quota';
import { courseView, userView } from '../views';

const id = z.uuid();
const code = z.string().trim().min(2).max(32).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-", such as LINUX-101');
const title = z.string().trim().min(1).max(200);
const description = z.string().max(10_000);

function conflictOnCode(e: unknown): never {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') fail('CONFLICT', 'a course with this code exists', { field: 'code' });
  throw e;
}

export const coursesRouter = router({
  /** Courses I belong to, with my role in each; admins see every course. */
  list: authedProcedure.query(async ({ ctx }) => {
    const prisma = ctx.services.db.prisma;
    const mine = await prisma.courseMember.findMany({ where: { userId: ctx.caller.id } });
    const roleOf = new Map(mine.map((m) => [m.courseId, m.role]));
    const courses = await prisma.course.findMany({
      where: ctx.caller.role === 'admin' ? {} : { id: { in: [...roleOf.keys()] } },
      orderBy: { code: 'asc' },
    });
    return courses.map((c) => ({ ...courseView(c), myRole: roleOf.get(c.id) ?? null }));
  }),

  get: authedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const { course, role } = await requireCourseMember(ctx, input.id, 'id');
    return { ...courseView(course), myRole: role };
  }),

  create: roleProcedure('teacher', 'admin')
    .input(z.object({ code, title, description: description.default('') }))
    .mutation(async ({ ctx, input }) => {
      const course = await ctx.services.db.prisma.course
        .create({
          data: {
            ...input,
            // The teacher who creates a course teaches it.
            ...(ctx.caller.role === 'teacher' ? { members: { create: { userId: ctx.caller.id, role: 'teacher' } } } : {}),
          },
        })
        .catch(conflictOnCode);
      return courseView(course);
    }),

  update: authedProcedure
    .input(z.object({ id, title: title.optional(), description: description.optional() }))
    .mutation(async ({ ctx, input }) => {
      await requireCourseTeacher(ctx, input.id, 'id');
      const course = await ctx.services.db.prisma.course.update({
        where: { id: input.id },
        data: { title: input.title, description: input.description },
      });
      return courseView(course);
    }),

  delete: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    await requireCourseTeacher(ctx, input.id, 'id');
    const prisma = ctx.services.db.prisma;
    const live = await prisma.labInstance.count({ where: { deployment: { courseId: input.id }, status: { in: LIVE_STATUSES } } });
    if (live > 0) fail('CONFLICT', `${live} lab instance(s) of this course are still running; stop them first`, { field: 'id' });
    await prisma.course.delete({ where: { id: input.id } });
    return { id: input.id };
  }),

  members: authedProcedure.input(z.object({ courseId: id })).query(async ({ ctx, input }) => {
    await requireCourseTeacher(ctx, input.courseId);
    const members = await ctx.services.db.prisma.courseMember.findMany({
      where: { courseId: input.courseId },
      include: { user: true },
      orderBy: [{ role: 'asc' }, { user: { username: 'asc' } }],
    });
    return members.map((m) => ({ courseRole: m.role, user: userView(m.user) }));
  }),

  addMember: authedProcedure
    .input(z.object({ courseId: id, userId: id, role: z.enum(['teacher', 'student']) }))
    .mutation(async ({ ctx, input }) => {
      await requireCourseTeacher(ctx, input.courseId);
      const prisma = ctx.services.db.prisma;
      const user = await prisma.user.findUnique({ where: { id: input.userId } });
      if (!user) fail('NOT_FOUND', 'no such user', { field: 'userId' });
      await prisma.courseMember.upsert({
        where: { courseId_userId: { courseId: input.courseId, userId: input.userId } },
        create: input,
        update: { role: input.role },
      });
      return { courseId: input.courseId, userId: input.userId, role: input.role };
    }),

  removeMember: authedProcedure.input(z.object({ courseId: id, userId: id })).mutation(async ({ ctx, input }) => {
    await requireCourseTeacher(ctx, input.courseId);
    const prisma = ctx.services.db.prisma;
    await prisma.$transaction([
      prisma.groupMember.deleteMany({ where: { userId: input.userId, group: { courseId: input.courseId } } }),
      prisma.courseMember.deleteMany({ where: { courseId: input.courseId, userId: input.userId } }),
    ]);
    return { courseId: input.courseId, userId: input.userId };
  }),
});
