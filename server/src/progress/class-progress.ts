/**
 * A deployment's progress: its students x its lab's checks, read from the submissions of the deployment's
 * instances (a student's own "Check my work" runs and a teacher's runs for the class alike). Per cell:
 * whether the latest run of that check passed, when that was, when it first passed, and the student's own
 * attempts (runs they made; a teacher's run for the class is not one of them).
 *
 * The students of a deployment follow its mode: per_student, the owners of its instances; per_group, the
 * members of its instances' groups; shared, the course's students; anyone else with a submission for one of
 * its instances (a student who left the group) too. The table is bounded: over MAX_PROGRESS_STUDENTS students
 * or MAX_PROGRESS_CELLS results it is refused with PROGRESS_TOO_LARGE before any name or result is read.
 */
import type { InstanceStatus, LabDeployment, PrismaClient } from '../generated/prisma/client';
import { AppError } from '@autolabs/common/errors/app-error';

export const MAX_PROGRESS_STUDENTS = 1000;
/** Students x checks: a lab with very many checks makes a big table even for a class under the limit. */
export const MAX_PROGRESS_CELLS = 100_000;

export interface ProgressCell {
  /** Whether the latest run of the check passed; null when it never ran for this student. */
  passed: boolean | null;
  lastRunAt: string | null;
  firstPassedAt: string | null;
  /** Runs the student made themselves. */
  attempts: number;
}

export interface ProgressRow {
  userId: string;
  displayName: string;
  username: string;
  /** The lab the student works in for this deployment (their own, their group's or the shared one). */
  instanceId: string | null;
  instanceStatus: InstanceStatus | null;
  /** One per check, in the lab's order. */
  checks: ProgressCell[];
}

export interface ClassProgress {
  checks: string[];
  rows: ProgressRow[];
}

type Db = Pick<PrismaClient, 'labInstance' | 'groupMember' | 'courseMember' | 'user' | '$queryRaw'>;

interface InstanceRef {
  id: string;
  status: InstanceStatus;
}

/**
 * Which students work in which of the deployment's instances (userId -> instance), latest instance first
 * when a student has several. Ids only, so a huge class is refused before anything else is read.
 */
export async function studentsOfDeployment(
  prisma: Db,
  deployment: Pick<LabDeployment, 'id' | 'courseId'>,
): Promise<{ students: Map<string, InstanceRef>; instanceIds: string[] }> {
  const instances = await prisma.labInstance.findMany({
    where: { deploymentId: deployment.id },
    select: { id: true, status: true, ownerUserId: true, groupId: true },
    orderBy: { createdAt: 'desc' },
  });
  const students = new Map<string, InstanceRef>();
  const add = (userId: string, i: InstanceRef) => {
    if (!students.has(userId)) students.set(userId, { id: i.id, status: i.status });
  };
  const byGroup = new Map<string, InstanceRef>();
  for (const i of instances) {
    if (i.ownerUserId) add(i.ownerUserId, i);
    else if (i.groupId) byGroup.set(i.groupId, byGroup.get(i.groupId) ?? i);
  }
  if (byGroup.size > 0) {
    const members = await prisma.groupMember.findMany({ where: { groupId: { in: [...byGroup.keys()] } }, select: { groupId: true, userId: true } });
    for (const m of members) add(m.userId, byGroup.get(m.groupId)!);
  }
  const shared = instances.find((i) => !i.ownerUserId && !i.groupId);
  if (shared && deployment.courseId) {
    const members = await prisma.courseMember.findMany({ where: { courseId: deployment.courseId, role: 'student' }, select: { userId: true } });
    for (const m of members) add(m.userId, shared);
  }
  return { students, instanceIds: instances.map((i) => i.id) };
}

interface CellRow {
  userId: string;
  check: string;
  attempts: number;
  passed: boolean | null;
  lastRunAt: Date;
  firstPassedAt: Date | null;
}

export async function loadClassProgress(
  prisma: Db,
  deployment: Pick<LabDeployment, 'id' | 'courseId'>,
  checks: string[],
  field = 'id',
): Promise<ClassProgress> {
  const { students, instanceIds } = await studentsOfDeployment(prisma, deployment);
  assertSize(students.size, checks.length, field);
  // One row per student and check, aggregated in the database: a student's many attempts never come over.
  const cells =
    instanceIds.length === 0
      ? []
      : await prisma.$queryRaw<CellRow[]>`
          SELECT s.user_id::text AS "userId",
                 r.elem->>'name' AS "check",
                 (count(*) FILTER (WHERE s.ran_by_id IS NULL OR s.ran_by_id = s.user_id))::int AS attempts,
                 (array_agg((r.elem->>'passed')::boolean ORDER BY s.submitted_at DESC, s.id DESC))[1] AS passed,
                 max(s.submitted_at) AS "lastRunAt",
                 min(s.submitted_at) FILTER (WHERE (r.elem->>'passed')::boolean) AS "firstPassedAt"
            FROM submissions s
            CROSS JOIN LATERAL jsonb_array_elements(s.results) AS r(elem)
           WHERE s.instance_id = ANY(${instanceIds}::uuid[])
           GROUP BY s.user_id, r.elem->>'name'`;
  const extra = [...new Set(cells.map((c) => c.userId))].filter((u) => !students.has(u));
  assertSize(students.size + extra.length, checks.length, field);
  const users = await prisma.user.findMany({
    where: { id: { in: [...students.keys(), ...extra] } },
    select: { id: true, displayName: true, username: true },
  });
  const cellOf = new Map(cells.map((c) => [`${c.userId}\n${c.check}`, c]));
  const rows = users.map((u): ProgressRow => {
    const instance = students.get(u.id) ?? null;
    return {
      userId: u.id,
      displayName: u.displayName,
      username: u.username,
      instanceId: instance?.id ?? null,
      instanceStatus: instance?.status ?? null,
      checks: checks.map((name) => {
        const c = cellOf.get(`${u.id}\n${name}`);
        return c
          ? { passed: c.passed, lastRunAt: c.lastRunAt.toISOString(), firstPassedAt: c.firstPassedAt?.toISOString() ?? null, attempts: c.attempts }
          : { passed: null, lastRunAt: null, firstPassedAt: null, attempts: 0 };
      }),
    };
  });
  rows.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.username.localeCompare(b.username));
  return { checks, rows };
}

function assertSize(students: number, checks: number, field: string): void {
  if (students <= MAX_PROGRESS_STUDENTS && students * checks <= MAX_PROGRESS_CELLS) return;
  throw new AppError(
    'PROGRESS_TOO_LARGE',
    `this deployment has ${students} students and ${checks} checks; a progress table or its CSV holds at most ` +
      `${MAX_PROGRESS_STUDENTS} students and ${MAX_PROGRESS_CELLS} results (students x checks)`,
    { field },
  );
}
