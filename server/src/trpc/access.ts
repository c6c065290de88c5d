/**
 * Ownership rules, in one place. Global roles only open the door (init.ts); these decide which
 * records a caller may touch:
 * - admin: everything;
 * - a course's teacher (course_members.role = teacher): that course, its groups, assignments,
 *   deployments, instances, sessions and recordings, and its labs;
 * - a lab belongs to its course, or without one to its author (lab-owner.ts): a teacher reads, assigns
 *   and deploys the labs of the courses they teach and their own course-less labs (plus any lab already
 *   assigned in a course they teach), and uses a lab in a course only if it is usable there;
 * - a student: their own instances (a group instance: its group's members; a shared one: the course's
 *   students), and read access to the courses they belong to.
 * A record that does not exist is NOT_FOUND for everyone; one that exists but is not yours is FORBIDDEN.
 */
import type { Course, CourseRole, LabConfig, LabDeployment, LabInstance, Prisma } from '../generated/prisma/client';
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

/**
 * The labs usable in these courses, as a query filter: the courses' own labs, the caller's own
 * course-less labs, and any lab already assigned in one of them (so every teacher of a course can run its
 * assignments, whoever put the lab there). Written once for reading (labsVisibleTo) and using
 * (requireLabInCourse).
 */
function labsUsableIn(courseIds: string[], userId: string): Prisma.LabConfigWhereInput {
  return {
    OR: [
      { courseId: { in: courseIds } },
      { courseId: null, createdById: userId },
      { assignments: { some: { courseId: { in: courseIds } } } },
    ],
  };
}

/** The labs the caller may see, as a query filter: all for admins; for teachers, those usable in a course they teach. */
export async function labsVisibleTo(ctx: AuthedContext): Promise<Prisma.LabConfigWhereInput> {
  if (ctx.caller.role === 'admin') return {};
  return labsUsableIn(await taughtCourseIds(ctx), ctx.caller.id);
}

async function findLab(ctx: AuthedContext, labConfigId: string, field: string): Promise<LabConfig> {
  const lab = await ctx.services.db.prisma.labConfig.findUnique({ where: { id: labConfigId } });
  if (!lab) fail('NOT_FOUND', 'no such lab config', { field });
  return lab;
}

async function labMatches(ctx: AuthedContext, labConfigId: string, filter: Prisma.LabConfigWhereInput): Promise<boolean> {
  return (await ctx.services.db.prisma.labConfig.count({ where: { AND: [{ id: labConfigId }, filter] } })) > 0;
}

/** Loads a lab version the caller may see (labsVisibleTo). */
export async function requireLab(ctx: AuthedContext, labConfigId: string, field = 'id'): Promise<LabConfig> {
  const lab = await findLab(ctx, labConfigId, field);
  if (!(await labMatches(ctx, labConfigId, await labsVisibleTo(ctx)))) {
    fail('FORBIDDEN', 'this lab belongs to a course you do not teach, or to another teacher', { field });
  }
  return lab;
}

/** The labs usable in a course the caller teaches (FORBIDDEN on courseId otherwise), as a query filter; admins: all. */
export async function labsUsableInCourse(ctx: AuthedContext, courseId: string): Promise<Prisma.LabConfigWhereInput> {
  await requireCourseTeacher(ctx, courseId);
  return ctx.caller.role === 'admin' ? {} : labsUsableIn([courseId], ctx.caller.id);
}

/**
 * A lab to assign or deploy in a course: the caller teaches the course (FORBIDDEN on courseId) and the
 * lab is usable there (FORBIDDEN on labConfigId). Admins may use any lab in any course.
 */
export async function requireLabInCourse(ctx: AuthedContext, input: { labConfigId: string; courseId: string }): Promise<LabConfig> {
  const usable = await labsUsableInCourse(ctx, input.courseId);
  const lab = await findLab(ctx, input.labConfigId, 'labConfigId');
  if (!(await labMatches(ctx, lab.id, usable))) {
    fail('FORBIDDEN', 'this lab does not belong to this course; upload it into the course to use it here', { field: 'labConfigId' });
  }
  return lab;
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
