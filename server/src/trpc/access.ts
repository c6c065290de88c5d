/**
 * Ownership rules, in one place. Global roles only open the door (init.ts); these decide which
 * records a caller may touch:
 * - admin: everything;
 * - a course's teacher (course_members.role = teacher): that course, its groups, assignments,
 *   deployments, instances, sessions and recordings;
 * - a student: their own instances (a group instance: its group's members; a shared one: the course's
 *   students), and read access to the courses they belong to.
 * A record that does not exist is NOT_FOUND for everyone; one that exists but is not yours is FORBIDDEN.
 */
import type { Course, CourseRole, LabDeployment, LabInstance, Prisma } from '../generated/prisma/client';
import { fail } from './errors';
import type { AuthedContext } from './init';

export async function courseRoleOf(ctx: AuthedContext, courseId: string): Promise<CourseRole | null> {
  const m = await ctx.services.db.prisma.courseMember.findUnique({
    where: { courseId_userId: { courseId, userId: ctx.caller.id } },
  });
  return m?.role ?? null;
}

export async function findCourse(ctx: AuthedContext, courseId: string, field = 'courseId'): Promise<Course> {
  const course = await ctx.services.db.prisma.course.findUnique({ where: { id: courseId } });
  if (!course) fail('NOT_FOUND', 'no such course', { field });
  return course;
}

/** Admin, or a teacher of this course. */
export async function requireCourseTeacher(ctx: AuthedContext, courseId: string, field = 'courseId'): Promise<Course> {
  const course = await findCourse(ctx, courseId, field);
  if (ctx.caller.role !== 'admin' && (await courseRoleOf(ctx, courseId)) !== 'teacher') {
    fail('FORBIDDEN', 'you do not teach this course', { field });
  }
  return course;
}

/** Admin, or any member of this course. */
export async function requireCourseMember(ctx: AuthedContext, courseId: string, field = 'courseId'): Promise<{ course: Course; role: CourseRole | null }> {
  const course = await findCourse(ctx, courseId, field);
  const role = await courseRoleOf(ctx, courseId);
  if (ctx.caller.role !== 'admin' && role === null) fail('FORBIDDEN', 'you are not a member of this course', { field });
  return { course, role };
}

export async function taughtCourseIds(ctx: AuthedContext): Promise<string[]> {
  const rows = await ctx.services.db.prisma.courseMember.findMany({
    where: { userId: ctx.caller.id, role: 'teacher' },
    select: { courseId: true },
  });
  return rows.map((r) => r.courseId);
}

export type InstanceWithDeployment = LabInstance & { deployment: LabDeployment };

/**
 * The instances a student works in, as a query filter (instanceRelation's 'user' uses it too, so the rule
 * is written once): their own, their groups' and the shared instances of the courses they study in.
 */
export function usableBy(userId: string): Prisma.LabInstanceWhereInput {
  return {
    OR: [
      { ownerUserId: userId },
      { ownerUserId: null, group: { members: { some: { userId } } } },
      { ownerUserId: null, groupId: null, deployment: { course: { members: { some: { userId, role: 'student' } } } } },
    ],
  };
}

/** How the caller relates to an instance; null when not at all. */
export type InstanceRelation = 'user' | 'teacher' | 'admin';

export async function instanceRelation(ctx: AuthedContext, instance: InstanceWithDeployment): Promise<InstanceRelation | null> {
  const me = ctx.caller.id;
  if (instance.ownerUserId === me) return 'user';
  if (instance.ownerUserId === null) {
    const usable = await ctx.services.db.prisma.labInstance.count({ where: { AND: [{ id: instance.id }, usableBy(me)] } });
    if (usable > 0) return 'user';
  }
  const courseId = instance.deployment.courseId;
  const role = courseId ? await courseRoleOf(ctx, courseId) : null;
  if (role === 'teacher') return 'teacher';
  if (ctx.caller.role === 'admin') return 'admin';
  return null;
}

/**
 * Loads an instance the caller may see. `use` = work in it (its student(s) only: terminal tickets);
 * `oversee` = see, stop or check it (its students, the course's teachers, admins).
 */
export async function requireInstance(
  ctx: AuthedContext,
  instanceId: string,
  mode: 'use' | 'oversee',
  field = 'id',
): Promise<{ instance: InstanceWithDeployment; relation: InstanceRelation }> {
  const instance = await ctx.services.db.prisma.labInstance.findUnique({ where: { id: instanceId }, include: { deployment: true } });
  if (!instance) fail('NOT_FOUND', 'no such lab instance', { field });
  const relation = await instanceRelation(ctx, instance);
  if (relation === null || (mode === 'use' && relation !== 'user')) {
    fail('FORBIDDEN', mode === 'use' ? 'only the lab\'s student may open its terminal' : 'this lab instance is not yours', { field });
  }
  return { instance, relation };
}
