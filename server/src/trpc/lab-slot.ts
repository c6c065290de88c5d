/**
 * Which instance a student's "Start" of an assignment means, by the lab's mode: their own (per_student),
 * their group's (per_group: the first of their groups in the course, by name, unless one of them already
 * has an instance), or the course's one (shared). The lock key (the same a class start takes) serialises
 * concurrent starts of the same slot, so two group members clicking at once converge on one instance.
 */
import type { LabMode, Prisma, PrismaClient } from '../generated/prisma/client';
import { targetLockKey, targetWhere } from './class-start';
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

export async function labSlot(prisma: PrismaClient, mode: LabMode, userId: string, assignment: { courseId: string; labConfigId: string }): Promise<LabSlot> {
  const slotOf = (target: DeploymentTarget): LabSlot => ({
    where: targetWhere(target),
    target,
    lockKey: targetLockKey(target, assignment.courseId, assignment.labConfigId),
    owners: target.ownerUserId ? [target.ownerUserId] : [],
  });
  if (mode === 'per_student') return slotOf({ ownerUserId: userId });
  if (mode === 'shared') return slotOf({});
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
  return { ...slotOf({ groupId: groups[0].id }), where: { ownerUserId: null, groupId: { in: groups.map((g) => g.id) } } };
}
