/** Who a notification about a lab instance or a course goes to. */
import type { PrismaClient } from '../generated/prisma/client';

/** The students of an instance: its owner, its group's members, or (a shared lab) the course's students. */
export async function studentsOfInstance(
  prisma: PrismaClient,
  instance: { ownerUserId: string | null; groupId: string | null; deployment: { courseId: string | null } },
): Promise<string[]> {
  if (instance.ownerUserId) return [instance.ownerUserId];
  if (instance.groupId) {
    const members = await prisma.groupMember.findMany({ where: { groupId: instance.groupId }, select: { userId: true } });
    return members.map((m) => m.userId);
  }
  if (!instance.deployment.courseId) return [];
  return courseMembers(prisma, instance.deployment.courseId, 'student');
}

export async function courseMembers(prisma: PrismaClient, courseId: string, role: 'teacher' | 'student'): Promise<string[]> {
  const rows = await prisma.courseMember.findMany({ where: { courseId, role }, select: { userId: true }, orderBy: { userId: 'asc' } });
  return rows.map((r) => r.userId);
}
