import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import { requireCourseTeacher } from '../access';
import { fail } from '../errors';
import { authedProcedure, router, type AuthedContext } from '../init';
import { userView } from '../views';

const id = z.uuid();

async function requireGroup(ctx: AuthedContext, groupId: string, field: string) {
  const group = await ctx.services.db.prisma.studentGroup.findUnique({ where: { id: groupId } });
  if (!group) fail('NOT_FOUND', 'no such group', { field });
  await requireCourseTeacher(ctx, group.courseId, field);
  return group;
}

/** Group names are unique within a course: the database's unique index answers, as CONFLICT on `name`. */
function nameTaken(e: unknown): never {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') fail('CONFLICT', 'this course has a group with that name', { field: 'name' });
  throw e;
}

const groupName = z.string().trim().min(1).max(100);

export const groupsRouter = router({
  list: authedProcedure.input(z.object({ courseId: id })).query(async ({ ctx, input }) => {
    await requireCourseTeacher(ctx, input.courseId);
    const groups = await ctx.services.db.prisma.studentGroup.findMany({
      where: { courseId: input.courseId },
      include: { members: { include: { user: true } } },
      orderBy: { name: 'asc' },
    });
    return groups.map((g) => ({ id: g.id, courseId: g.courseId, name: g.name, members: g.members.map((m) => userView(m.user)) }));
  }),

  create: authedProcedure
    .input(z.object({ courseId: id, name: groupName }))
    .mutation(async ({ ctx, input }) => {
      await requireCourseTeacher(ctx, input.courseId);
      const group = await ctx.services.db.prisma.studentGroup.create({ data: input }).catch(nameTaken);
      return { id: group.id, courseId: group.courseId, name: group.name };
    }),

  rename: authedProcedure.input(z.object({ id, name: groupName })).mutation(async ({ ctx, input }) => {
    await requireGroup(ctx, input.id, 'id');
    const group = await ctx.services.db.prisma.studentGroup.update({ where: { id: input.id }, data: { name: input.name } }).catch(nameTaken);
    return { id: group.id, courseId: group.courseId, name: group.name };
  }),

  delete: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    await requireGroup(ctx, input.id, 'id');
    await ctx.services.db.prisma.studentGroup.delete({ where: { id: input.id } });
    return { id: input.id };
  }),

  addMember: authedProcedure.input(z.object({ groupId: id, userId: id })).mutation(async ({ ctx, input }) => {
    const group = await requireGroup(ctx, input.groupId, 'groupId');
    const prisma = ctx.services.db.prisma;
    const member = await prisma.courseMember.findUnique({ where: { courseId_userId: { courseId: group.courseId, userId: input.userId } } });
    if (member?.role !== 'student') fail('BAD_INPUT', 'only students of the course can join its groups', { field: 'userId' });
    await prisma.groupMember.upsert({ where: { groupId_userId: input }, create: input, update: {} });
    return input;
  }),

  removeMember: authedProcedure.input(z.object({ groupId: id, userId: id })).mutation(async ({ ctx, input }) => {
    await requireGroup(ctx, input.groupId, 'groupId');
    await ctx.services.db.prisma.groupMember.deleteMany({ where: input });
    return input;
  }),
});
