/**
 * Which instance a student's "Start" of an assignment means, by the lab's mode: their own (per_student),
 * their group's (per_group: the first of their groups in the course, by name, unless one of them already
 * has an instance), or the course's one (shared). The lock key serialises concurrent starts of the same
 * slot, so two group members clicking at once converge on one instance.
 */
import type { LabMode, Prisma, PrismaClient } from '../generated/prisma/client';
import { fail } from './errors';
import type { DeploymentTarget } from './lab-jobs';

export interface LabSlot {
  /** The instances that fill this slot (combined with the assignment by the caller). */
  where: Prisma.LabInstanceWhereInput;
  /** What a new deployment targets when no instance exists yet. */
  target: DeploymentTarget;
  lockKey: string;
  /** Users whose quota a new instance counts against. */
  owners: string[];
}

export async function labSlot(prisma: PrismaClient, mode: LabMode, userId: string, assignment: { id: string; courseId: string }): Promise<LabSlot> {
  if (mode === 'per_student') return { where: { ownerUserId: userId }, target: { ownerUserId: userId }, lockKey: userId, owners: [userId] };
  if (mode === 'shared') {
    return { where: { ownerUserId: null, groupId: null }, target: {}, lockKey: `shared:${assignment.id}`, owners: [] };
  }
  const groups = await prisma.studentGroup.findMany({
    where: { courseId: assignment.courseId, members: { some: { userId } } },
    select: { id: true },
    orderBy: { name: 'asc' },
  });
  if (groups.length === 0) {
    fail('BAD_INPUT', 'this lab is worked on in groups and you are in no group of this course; ask your teacher to add you to one', {
      field: 'assignmentId',
    });
  }
  return {
    where: { ownerUserId: null, groupId: { in: groups.map((g) => g.id) } },
    target: { groupId: groups[0].id },
    lockKey: `group:${groups[0].id}`,
    owners: [],
  };
}
