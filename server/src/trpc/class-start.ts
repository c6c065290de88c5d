/**
 * Starting a lab for a class (deployments.start). Every target (a student, a group, the whole course) is
 * decided on its own, under its lock: one that already runs this lab in the course keeps that instance, a
 * student over their quota is left out and reported by name with the reason, and everyone else gets an
 * instance in one new deployment (none when everyone already runs it). So one student at their limit no longer blocks the class, and the
 * teacher learns who did not start and why.
 *
 * A class start always belongs to an assignment: without one it takes the course's assignment of that lab
 * (the newest) or creates one titled after the lab. Instances are only ever reached through assignments
 * (My labs), so an assignment-less deployment started labs that counted against the students' quotas
 * but that they could not see.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import type { Assignment, LabConfig, LabMode, Prisma } from '../generated/prisma/client';
import type { LabResources } from '../labs/lab-resources';
import type { ApiServices } from './api-services';
import { insertDeployment, publishDeployment, type DeploymentTarget } from './lab-jobs';
import { LIVE_STATUSES, lockUsers, quotaRefusal } from './quota';

type Tx = Prisma.TransactionClient;

/** One target of a class start, with the name a teacher knows it by. */
export interface NamedTarget extends DeploymentTarget {
  name: string;
}

export interface ClassStart {
  lab: LabConfig;
  courseId: string;
  assignmentId: string | null;
  mode: LabMode;
  createdById: string;
  targets: NamedTarget[];
  resources: LabResources;
  /** The input field a refusal names: studentIds or groupIds. */
  field: string;
}

export interface AlreadyRunning {
  userId?: string;
  groupId?: string;
  name: string;
  instanceId: string;
}

export interface Refused {
  userId: string;
  name: string;
  code: 'QUOTA_EXCEEDED';
  message: string;
}

/** The lock a target's start is decided under (shared with instances.start through lab-slot.ts). */
export function targetLockKey(t: DeploymentTarget, courseId: string, labConfigId: string): string {
  if (t.ownerUserId) return t.ownerUserId;
  if (t.groupId) return `group:${t.groupId}`;
  return `shared:${courseId}:${labConfigId}`;
}

/** The instances that fill a target's slot: its own (owner), its group's, or the course's shared one. */
export function targetWhere(t: DeploymentTarget): Prisma.LabInstanceWhereInput {
  if (t.ownerUserId) return { ownerUserId: t.ownerUserId };
  if (t.groupId) return { groupId: t.groupId };
  return { ownerUserId: null, groupId: null };
}

/** The live instance of this lab in this course that fills the slot, if any: one copy of a lab runs per slot. */
export function findRunningLab(tx: Tx, slot: Prisma.LabInstanceWhereInput, courseId: string, labConfigId: string) {
  return tx.labInstance.findFirst({
    where: { AND: [slot, { status: { in: LIVE_STATUSES } }, { deployment: { courseId, labConfigId } }] },
    include: { deployment: true },
    orderBy: { createdAt: 'desc' },
  });
}

/** The assignment a class start belongs to: the one given, else the course's newest of this lab, else a new one. */
async function assignmentFor(tx: Tx, s: ClassStart): Promise<Assignment> {
  const existing = s.assignmentId
    ? await tx.assignment.findUniqueOrThrow({ where: { id: s.assignmentId } })
    : await tx.assignment.findFirst({ where: { courseId: s.courseId, labConfigId: s.lab.id }, orderBy: { createdAt: 'desc' } });
  return existing ?? tx.assignment.create({ data: { courseId: s.courseId, labConfigId: s.lab.id, title: s.lab.title, description: s.lab.description } });
}

function listed(items: { name: string; message?: string }[]): string {
  return items.map((i) => (i.message ? `${i.name}: ${i.message}` : i.name)).join('; ');
}

export async function startForClass(services: ApiServices, s: ClassStart) {
  const prisma = services.db.prisma;
  const result = await prisma.$transaction(async (tx) => {
    await lockUsers(tx, s.targets.map((t) => targetLockKey(t, s.courseId, s.lab.id)));
    const assignment = await assignmentFor(tx, s);
    const alreadyRunning: AlreadyRunning[] = [];
    const refused: Refused[] = [];
    const starting: DeploymentTarget[] = [];
    for (const t of s.targets) {
      const running = await findRunningLab(tx, targetWhere(t), s.courseId, s.lab.id);
      if (running) {
        alreadyRunning.push({ userId: t.ownerUserId, groupId: t.groupId, name: t.name, instanceId: running.id });
        continue;
      }
      const refusal = t.ownerUserId ? await quotaRefusal(tx, t.ownerUserId, s.courseId, s.resources) : null;
      if (refusal && t.ownerUserId) {
        refused.push({ userId: t.ownerUserId, name: t.name, code: 'QUOTA_EXCEEDED', message: refusal.reason });
        continue;
      }
      starting.push({ ownerUserId: t.ownerUserId, groupId: t.groupId });
    }
    refused.sort((a, b) => a.name.localeCompare(b.name));
    if (starting.length === 0 && refused.length > 0) {
      const running = alreadyRunning.length > 0 ? ` (already running for ${listed(alreadyRunning)})` : '';
      throw new AppError('QUOTA_EXCEEDED', `nobody could start this lab${running}: ${listed(refused)}`, { field: s.field, detail: { refused } });
    }
    if (starting.length === 0) return { deployment: null, assignment, alreadyRunning, refused };
    const deployment = await insertDeployment(tx, {
      labConfigId: s.lab.id,
      courseId: s.courseId,
      assignmentId: assignment.id,
      mode: s.mode,
      createdById: s.createdById,
      targets: starting,
      resources: s.resources,
      quotaField: s.field,
    });
    return { deployment, assignment, alreadyRunning, refused };
  });
  if (result.deployment) await publishDeployment(services, result.deployment.id);
  return result;
}
