/**
 * Names for the ids in audit entries, so an admin reads "Tom Teacher stopped Sam Student's Linux basics in
 * LINUX-101" rather than 8-character ids. An entry keeps only ids (the trail outlives what it names), so
 * names are looked up when the trail is read; what is gone since is shown by its kind and short id.
 * Also the course filter: the ids that belong to a course (its groups, assignments, labs, deployments,
 * instances and their terminal sessions).
 */
import type { AuditLog, Prisma, PrismaClient } from '../generated/prisma/client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Terminal session ids: `term-<instanceId>` or `term-<instanceId>-<userId>` (trpc/terminal-ticket.ts). */
const SESSION = /^term-([0-9a-f-]{36})/i;

export interface NamedRef {
  id: string;
  label: string;
}

export interface AuditNames {
  actor: { id: string; username: string; displayName: string } | null;
  target: NamedRef | null;
  course: { id: string; code: string } | null;
}

type Course = { id: string; code: string } | null;

/** Resolves actors, targets and their course for a page of entries in a handful of queries. */
export async function nameAuditEntries(prisma: PrismaClient, entries: AuditLog[]): Promise<AuditNames[]> {
  const instanceIdOf = (t: string | null) => (t ? (SESSION.exec(t)?.[1] ?? (UUID.test(t) ? t : null)) : null);
  const ids = [...new Set(entries.flatMap((e) => [e.actorId, e.targetId, instanceIdOf(e.targetId)]).filter((v): v is string => v !== null && UUID.test(v)))];
  const course = { select: { id: true, code: true } } as const;
  const [users, courses, groups, assignments, labs, deployments, instances] = await Promise.all([
    prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true, username: true, displayName: true } }),
    prisma.course.findMany({ where: { id: { in: ids } }, select: { id: true, code: true } }),
    prisma.studentGroup.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, course } }),
    prisma.assignment.findMany({ where: { id: { in: ids } }, select: { id: true, title: true, course } }),
    prisma.labConfig.findMany({ where: { id: { in: ids } }, select: { id: true, title: true, version: true, course } }),
    prisma.labDeployment.findMany({ where: { id: { in: ids } }, select: { id: true, labConfig: { select: { title: true } }, course } }),
    prisma.labInstance.findMany({
      where: { id: { in: ids } },
      select: { id: true, owner: { select: { displayName: true } }, group: { select: { name: true } }, deployment: { select: { labConfig: { select: { title: true } }, course } } },
    }),
  ]);
  const userOf = new Map(users.map((u) => [u.id, u]));
  const named = new Map<string, { label: string; course: Course }>();
  for (const c of courses) named.set(c.id, { label: c.code, course: c });
  for (const g of groups) named.set(g.id, { label: `group ${g.name}`, course: g.course });
  for (const a of assignments) named.set(a.id, { label: `assignment “${a.title}”`, course: a.course });
  for (const l of labs) named.set(l.id, { label: `${l.title} v${l.version}`, course: l.course });
  for (const d of deployments) named.set(d.id, { label: `deployment of ${d.labConfig.title}`, course: d.course });
  for (const i of instances) {
    const whose = i.owner?.displayName ?? (i.group ? `group ${i.group.name}` : 'the course');
    named.set(i.id, { label: `${whose}’s ${i.deployment.labConfig.title}`, course: i.deployment.course });
  }
  for (const u of users) named.set(u.id, { label: u.displayName, course: null });

  return entries.map((e) => {
    const actor = e.actorId ? (userOf.get(e.actorId) ?? null) : null;
    const direct = e.targetId ? named.get(e.targetId) : undefined;
    const viaSession = e.targetId && !direct ? named.get(instanceIdOf(e.targetId) ?? '') : undefined;
    const found = direct ?? (viaSession ? { ...viaSession, label: `terminal of ${viaSession.label}` } : undefined);
    return {
      actor,
      target: e.targetId ? { id: e.targetId, label: found?.label ?? `${e.targetType} ${e.targetId.slice(0, 8)}` } : null,
      course: found?.course ?? null,
    };
  });
}

/** The entries that concern a course: the course itself, what belongs to it, and calls naming it in their input. */
export async function auditWhereCourse(prisma: PrismaClient, courseId: string): Promise<Prisma.AuditLogWhereInput> {
  const inCourse = { where: { courseId }, select: { id: true } } as const;
  const [groups, assignments, labs, deployments, instances] = await Promise.all([
    prisma.studentGroup.findMany(inCourse),
    prisma.assignment.findMany(inCourse),
    prisma.labConfig.findMany(inCourse),
    prisma.labDeployment.findMany(inCourse),
    prisma.labInstance.findMany({ where: { deployment: { courseId } }, select: { id: true } }),
  ]);
  const ids = [courseId, ...[groups, assignments, labs, deployments, instances].flat().map((r) => r.id), ...instances.map((i) => `term-${i.id}`)];
  return { OR: [{ targetId: { in: ids } }, { detail: { path: ['input', 'courseId'], equals: courseId } }] };
}
