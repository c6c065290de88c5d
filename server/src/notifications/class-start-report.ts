/**
 * "Class start finished": once every start of a deployment a teacher (or admin) began has settled (no
 * instance pending or starting), the one who started it is told how many labs are ready and, for each that
 * is not, whose it is and why. The workers check after each start settles (workers/steps/with-notifications.ts);
 * whichever sees the last one settle publishes, then marks the deployment reported. Two workers racing, or
 * a crash between the publish and the mark, publish twice under one key and the report is stored once.
 * A student's own start (they own one of its instances) is marked reported without a report.
 */
import type { InstanceStatus } from '../generated/prisma/client';
import { MAX_BODY, MAX_TITLE, clip, publishNotification } from './notification-message';
import type { NoticeServices } from './lab-notices';

const SETTLING: InstanceStatus[] = ['pending', 'starting'];

export interface StartSummary {
  ready: number;
  total: number;
  /** `<student>: <reason>` for each lab not ready, by name. */
  failures: string[];
}

interface InstanceRow {
  status: InstanceStatus;
  statusReason: string | null;
  startedAt: Date | null;
  owner: { displayName: string } | null;
  group: { name: string } | null;
}

export function summariseStart(instances: InstanceRow[]): StartSummary {
  const failures = instances
    .filter((i) => i.startedAt === null)
    .map((i) => {
      const who = i.owner?.displayName ?? (i.group ? `group ${i.group.name}` : 'the shared lab');
      const why = i.status === 'failed' ? (i.statusReason ?? 'it could not be started') : `${i.status} before it was ready`;
      return `${who}: ${why}`;
    })
    .sort((a, b) => a.localeCompare(b));
  return { ready: instances.length - failures.length, total: instances.length, failures };
}

/** Reports the deployment's start when it has just settled; true when this call published the report. */
export async function reportClassStartWhenSettled(services: NoticeServices, deploymentId: string): Promise<boolean> {
  const { prisma } = services.db;
  const d = await prisma.labDeployment.findUnique({
    where: { id: deploymentId },
    include: {
      labConfig: { select: { title: true } },
      course: { select: { code: true } },
      createdBy: { select: { role: true } },
      instances: { select: { ownerUserId: true, status: true, statusReason: true, startedAt: true, owner: { select: { displayName: true } }, group: { select: { name: true } } } },
    },
  });
  if (!d || d.startReportedAt || d.instances.length === 0 || d.instances.some((i) => SETTLING.includes(i.status))) return false;
  const classStart = d.createdBy.role !== 'student' && !d.instances.some((i) => i.ownerUserId === d.createdById);
  if (classStart) {
    const s = summariseStart(d.instances);
    const course = d.course ? ` for ${d.course.code}` : '';
    await publishNotification(services.queue, 'teacher', {
      key: `class-start:${d.id}`,
      kind: 'class_started',
      userIds: [d.createdById],
      title: clip(`Class start of “${d.labConfig.title}”${course} finished: ${s.ready} of ${s.total} ready`, MAX_TITLE),
      body: clip(s.failures.length === 0 ? 'Every lab is running.' : s.failures.join('\n'), MAX_BODY),
      link: d.courseId ? `/deployments?course=${d.courseId}` : null,
    });
  }
  await prisma.labDeployment.updateMany({ where: { id: d.id, startReportedAt: null }, data: { startReportedAt: new Date() } });
  return classStart;
}
