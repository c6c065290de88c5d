/**
 * What procedures return. Plain JSON goes over the wire (no superjson), so dates are ISO strings here
 * and the client's inferred types match what it really receives. Internal fields (password hashes,
 * runtime handles, object keys) never leave through these.
 */
import type {
  Assignment,
  AuditLog,
  Course,
  LabConfig,
  LabDeployment,
  LabInstance,
  Recording,
  ResourceQuota,
  User,
} from '../generated/prisma/client';

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export function userView(u: User) {
  return { id: u.id, username: u.username, displayName: u.displayName, email: u.email, role: u.role, disabled: u.disabled, mustChangePassword: u.mustChangePassword, hasPassword: u.passwordHash !== null && u.oidcSubject === null, createdAt: iso(u.createdAt) };
}

export function courseView(c: Course) {
  return { id: c.id, code: c.code, title: c.title, description: c.description, createdAt: iso(c.createdAt) };
}

export function assignmentView(a: Assignment) {
  return { id: a.id, courseId: a.courseId, labConfigId: a.labConfigId, title: a.title, description: a.description, dueAt: iso(a.dueAt), createdAt: iso(a.createdAt) };
}

export function labView(l: LabConfig) {
  return { id: l.id, name: l.name, version: l.version, title: l.title, description: l.description, sha256: l.sha256, recording: l.recording, courseId: l.courseId, createdById: l.createdById, createdAt: iso(l.createdAt) };
}

export function deploymentView(d: LabDeployment) {
  return { id: d.id, labConfigId: d.labConfigId, courseId: d.courseId, assignmentId: d.assignmentId, mode: d.mode, status: d.status, createdById: d.createdById, createdAt: iso(d.createdAt), stoppedAt: iso(d.stoppedAt) };
}

export function instanceView(i: LabInstance & { deployment: LabDeployment }) {
  return {
    id: i.id,
    deploymentId: i.deploymentId,
    labConfigId: i.deployment.labConfigId,
    courseId: i.deployment.courseId,
    assignmentId: i.deployment.assignmentId,
    ownerUserId: i.ownerUserId,
    groupId: i.groupId,
    status: i.status,
    statusReason: i.statusReason,
    ssh: i.sshHost && i.sshPort ? { host: i.sshHost, port: i.sshPort } : null,
    createdAt: iso(i.createdAt),
    startedAt: iso(i.startedAt),
    stoppedAt: iso(i.stoppedAt),
    lastActivityAt: iso(i.lastActivityAt),
    expiresAt: iso(i.expiresAt),
    archivedAt: iso(i.archivedAt),
    /** The archived volume (GET /api/instances/:id/archive); sha256 and size are null for archives made before they were recorded. */
    archive: i.archiveKey === null ? null : { sha256: i.archiveSha256, size: i.archiveSize === null ? null : Number(i.archiveSize), downloadPath: `/api/instances/${i.id}/archive` },
  };
}

export type InstanceView = ReturnType<typeof instanceView>;

export function recordingView(r: Recording & { session: { instanceId: string; userId: string } }) {
  return { id: r.id, sessionId: r.sessionId, instanceId: r.session.instanceId, userId: r.session.userId, bytes: r.bytes, durationMs: r.durationMs, startedAt: iso(r.startedAt), endedAt: iso(r.endedAt) };
}

export function quotaView(q: ResourceQuota) {
  return { id: q.id, scope: q.scope, userId: q.userId, courseId: q.courseId, maxInstances: q.maxInstances, maxCpuMillis: q.maxCpuMillis, maxMemoryMi: q.maxMemoryMi, updatedAt: iso(q.updatedAt) };
}

export function auditView(a: AuditLog) {
  return { id: a.id.toString(), at: iso(a.at), actorId: a.actorId, actorRole: a.actorRole, action: a.action, targetType: a.targetType, targetId: a.targetId, outcome: a.outcome, detail: a.detail, requestId: a.requestId };
}
