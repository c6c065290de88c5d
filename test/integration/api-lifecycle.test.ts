/**
 * Deployments, instances, quotas and terminal tickets through the real router, on real Postgres, Redis
 * (session store) and RabbitMQ (job queue). Jobs are read back from RabbitMQ to check what workers get.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_CONTROL_CHANNEL, type SessionRecord } from '@autolabs/common/session-store/session-store';
import type { QueueName } from '@autolabs/server/infra/queue/job-queue';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { verifyTicket } from '@autolabs/common/tickets/ticket';
import { parseLabConfig } from '@autolabs/server/labs/lab-config';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { metricsRegistry } from '@autolabs/common/ops/metrics';
import { LAB_YAML, createHarness, outcomeOf, seedWorld, type Harness, type World } from './api-harness';
import { sample } from './metrics-scrape';

let h: Harness;
let w: World;
/** The lab jobs the API publishes for workers (the notification queues are the API's own). */
type LabQueue = Extract<QueueName, `lab.${string}`>;
const jobs: Record<LabQueue, unknown[]> = { 'lab.deploy': [], 'lab.start': [], 'lab.stop': [], 'lab.archive': [] };

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq' });
  w = await seedWorld(h);
  for (const q of Object.keys(jobs) as LabQueue[]) {
    await h.services.queue.consume(q, async (payload) => {
      jobs[q].push(payload);
    });
  }
});

afterAll(async () => {
  await h?.close();
});

/** The harness lab under another name and lab mode, stored as a new lab config. */
function storeModeLab(name: string, mode: 'per_group' | 'shared', courseId: string | null = null) {
  const yaml = LAB_YAML.replace('name: api-test-lab', `name: ${name}`).replace('spec:\n', `spec:\n  mode: ${mode}\n`);
  return storeLab(h.services, yaml, { createdById: h.users.teacher.id, courseId });
}

describe('deployments', () => {
  it('deployments.start creates a pending instance per chosen student and publishes lab.deploy', async () => {
    const d = await h.callerFor('teacher').deployments.start({ labConfigId: w.lab.id, courseId: w.course.id, studentIds: [h.users.otherStudent.id] });
    expect(d.deployment?.status).toBe('pending');
    expect(d.instances.map((i) => [i.ownerUserId, i.status])).toEqual([[h.users.otherStudent.id, 'pending']]);
    await waitFor('lab.deploy job', () => jobs['lab.deploy'].some((j) => (j as { deploymentId: string }).deploymentId === d.deployment?.id));
  });

  it('without studentIds every student of the course gets an instance', async () => {
    // A course where neither student runs the lab yet (those who do keep theirs: api-class-start.test.ts).
    const course = await w.makeCourse();
    const d = await h.callerFor('admin').deployments.start({ labConfigId: w.lab.id, courseId: course.id });
    expect(d.instances.map((i) => i.ownerUserId).sort()).toEqual([h.users.student.id, h.users.otherStudent.id].sort());
  });

  it('a student id outside the course is BAD_INPUT on studentIds, and nothing is created', async () => {
    const before = await h.services.db.prisma.labDeployment.count();
    const r = await outcomeOf(h.callerFor('teacher').deployments.start({ labConfigId: w.lab.id, courseId: w.course.id, studentIds: [h.users.viewer.id] }));
    expect(r).toEqual({ code: 'BAD_REQUEST', appCode: 'BAD_INPUT', field: 'studentIds' });
    expect(await h.services.db.prisma.labDeployment.count()).toBe(before);
  });

  it('deployments.stop marks live instances stopping and publishes lab.stop with reason deployment', async () => {
    const instance = await w.makeInstance();
    const d = await h.callerFor('teacher').deployments.stop({ id: instance.deploymentId });
    expect(d).toMatchObject({ status: 'stopping', stoppingInstances: 1 });
    await waitFor('lab.stop job', () => jobs['lab.stop'].some((j) => JSON.stringify(j) === JSON.stringify({ instanceId: instance.id, reason: 'deployment' })));
    const status = await h.callerFor('teacher').deployments.status({ id: instance.deploymentId });
    expect(status.instances.map((i) => i.status)).toEqual(['stopping']);
  });
});

describe('group labs', () => {
  it('a teacher renames a group; a name another group of the course has is CONFLICT on name, and nothing changes', async () => {
    const course = await w.makeCourse();
    const teacher = h.callerFor('teacher');
    const red = await teacher.groups.create({ courseId: course.id, name: 'red' });
    await teacher.groups.create({ courseId: course.id, name: 'blue' });
    expect(await teacher.groups.rename({ id: red.id, name: '  crimson ' })).toMatchObject({ id: red.id, name: 'crimson' });
    expect(await outcomeOf(teacher.groups.rename({ id: red.id, name: 'blue' }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'name' });
    expect((await teacher.groups.list({ courseId: course.id })).map((g) => g.name)).toEqual(['blue', 'crimson']);
  });

  it('per_group labs get one instance per group; its members (only) open their own terminal session in it', async () => {
    const prisma = h.services.db.prisma;
    const course = await w.makeCourse();
    const groupLab = await storeModeLab('api-group-lab', 'per_group', course.id);
    const group = await prisma.studentGroup.create({ data: { courseId: course.id, name: 'red', members: { create: [{ userId: h.users.student.id }] } } });
    await prisma.studentGroup.create({ data: { courseId: course.id, name: 'blue', members: { create: [{ userId: h.users.otherStudent.id }] } } });

    const d = await h.callerFor('teacher').deployments.start({ labConfigId: groupLab.id, courseId: course.id, groupIds: [group.id] });
    expect(d.deployment?.mode).toBe('per_group');
    expect(d.instances.map((i) => [i.groupId, i.ownerUserId])).toEqual([[group.id, null]]);

    const instanceId = d.instances[0].id;
    const instance = await prisma.labInstance.findUniqueOrThrow({ where: { id: instanceId } });
    const handle = await h.services.runtime.start({ instanceId, ownerKey: 'red', labKey: 'api-group-lab', config: parseLabConfig(LAB_YAML) });
    h.onClose(() => h.services.runtime.destroy(handle));
    await prisma.labInstance.update({ where: { id: instance.id }, data: { status: 'running', runtimeHandle: handle as object } });

    const t = await h.callerFor('student').sessions.terminalTicket({ instanceId });
    expect(t.sessionId).toBe(`term-${instanceId}-${h.users.student.id}`);
    expect((await outcomeOf(h.callerFor('otherStudent').sessions.terminalTicket({ instanceId }))).code).toBe('FORBIDDEN');
    expect((await h.callerFor('teacher').instances.get({ id: instanceId })).groupId).toBe(group.id);
  });

  it('a group member starting a per_group assignment starts the group lab; a teammate gets the same one, an outsider a clear error', async () => {
    const prisma = h.services.db.prisma;
    const lab = await storeModeLab('api-group-start', 'per_group');
    const course = await w.makeCourse();
    const team = await prisma.studentGroup.create({
      data: { courseId: course.id, name: 'team', members: { create: [{ userId: h.users.student.id }, { userId: h.users.otherStudent.id }] } },
    });
    const assignment = await prisma.assignment.create({ data: { courseId: course.id, labConfigId: lab.id, title: 'Group work' } });
    const first = await h.callerFor('student').instances.start({ assignmentId: assignment.id });
    expect(first).toMatchObject({ groupId: team.id, ownerUserId: null, status: 'pending' });
    expect((await prisma.labDeployment.findUniqueOrThrow({ where: { id: first.deploymentId } })).mode).toBe('per_group');
    const second = await h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id });
    expect(second.id).toBe(first.id);
    // Both find it on their home page, with the assignment.
    for (const who of ['student', 'otherStudent'] as const) {
      expect((await h.callerFor(who).instances.mine()).map((i) => i.id)).toContain(first.id);
      const mine = await h.callerFor(who).assignments.mine();
      expect(mine.find((a) => a.id === assignment.id)?.instance?.id).toBe(first.id);
    }
    // Out of the group: a clear error, and no instance.
    await prisma.groupMember.delete({ where: { groupId_userId: { groupId: team.id, userId: h.users.otherStudent.id } } });
    expect(await outcomeOf(h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id }))).toEqual({
      code: 'BAD_REQUEST',
      appCode: 'BAD_INPUT',
      field: 'assignmentId',
    });
    expect((await h.callerFor('otherStudent').instances.mine()).map((i) => i.id)).not.toContain(first.id);
    expect(await prisma.labInstance.count({ where: { deployment: { assignmentId: assignment.id } } })).toBe(1);
  });

  it('students starting a shared assignment all get the one course instance', async () => {
    const prisma = h.services.db.prisma;
    const lab = await storeModeLab('api-shared-start', 'shared');
    const course = await w.makeCourse();
    const assignment = await prisma.assignment.create({ data: { courseId: course.id, labConfigId: lab.id, title: 'Shared work' } });
    const [a, b] = await Promise.all([
      h.callerFor('student').instances.start({ assignmentId: assignment.id }),
      h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id }),
    ]);
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({ ownerUserId: null, groupId: null });
    expect((await h.callerFor('otherStudent').instances.mine()).map((i) => i.id)).toContain(a.id);
    expect(await prisma.labInstance.count({ where: { deployment: { assignmentId: assignment.id } } })).toBe(1);
  });
});

describe('instances.start', () => {
  // A student's start opens the lab already running in that course, whichever assignment began it
  // (api-class-start.test.ts); these tests each start the world's lab afresh.
  beforeEach(async () => {
    await h.services.db.prisma.labInstance.updateMany({
      where: { ownerUserId: h.users.otherStudent.id, status: { in: ['pending', 'starting', 'running', 'stopping'] } },
      data: { status: 'stopped', stoppedAt: new Date() },
    });
  });

  it('creates a one-student deployment the first time and returns the same live instance afterwards', async () => {
    const assignment = await h.services.db.prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: w.lab.id, title: 'Start me' } });
    const caller = h.callerFor('otherStudent');
    const first = await caller.instances.start({ assignmentId: assignment.id });
    expect(first).toMatchObject({ status: 'pending', ownerUserId: h.users.otherStudent.id, assignmentId: assignment.id });
    await waitFor('lab.deploy job', () => jobs['lab.deploy'].some((j) => (j as { deploymentId: string }).deploymentId === first.deploymentId));
    const second = await caller.instances.start({ assignmentId: assignment.id });
    expect(second.id).toBe(first.id);
  });

  it('five concurrent starts of the same assignment give one instance', async () => {
    const assignment = await h.services.db.prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: w.lab.id, title: 'Race' } });
    const caller = h.callerFor('otherStudent');
    const results = await Promise.all(Array.from({ length: 5 }, () => caller.instances.start({ assignmentId: assignment.id })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await h.services.db.prisma.labInstance.count({ where: { deployment: { assignmentId: assignment.id } } })).toBe(1);
  });

  it('a student at their instance quota gets QUOTA_EXCEEDED, audited as denied, and no instance', async () => {
    const prisma = h.services.db.prisma;
    const live = await prisma.labInstance.count({ where: { ownerUserId: h.users.otherStudent.id, status: { in: ['pending', 'starting', 'running', 'stopping'] } } });
    await h.callerFor('admin').admin.setQuota({ scope: 'user', userId: h.users.otherStudent.id, maxInstances: live, maxCpuMillis: 1000, maxMemoryMi: 1024 });
    const assignment = await prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: w.lab.id, title: 'Over quota' } });
    const r = await outcomeOf(h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id }));
    expect(r).toEqual({ code: 'TOO_MANY_REQUESTS', appCode: 'QUOTA_EXCEEDED', field: 'assignmentId' });
    expect(await prisma.labInstance.count({ where: { deployment: { assignmentId: assignment.id } } })).toBe(0);
    const audit = await prisma.auditLog.findFirst({ where: { action: 'instances.start' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ outcome: 'denied', actorId: h.users.otherStudent.id, targetId: assignment.id });
    await h.callerFor('admin').admin.setQuota({ scope: 'user', userId: h.users.otherStudent.id, maxInstances: 100, maxCpuMillis: 100_000, maxMemoryMi: 100_000 });
  });

  it('a start that would take a student over their CPU or memory quota gets QUOTA_EXCEEDED naming the resource', async () => {
    const prisma = h.services.db.prisma;
    const me = h.users.otherStudent.id;
    const used = await prisma.labInstance.aggregate({
      where: { ownerUserId: me, status: { in: ['pending', 'starting', 'running', 'stopping'] } },
      _sum: { cpuMillis: true, memoryMi: true },
    });
    const cpu = used._sum.cpuMillis ?? 0;
    const memory = used._sum.memoryMi ?? 0;
    // The test lab has one container with the default limits: 1 core and 512Mi.
    const setQuota = (maxCpuMillis: number, maxMemoryMi: number) =>
      h.callerFor('admin').admin.setQuota({ scope: 'user', userId: me, maxInstances: 100, maxCpuMillis, maxMemoryMi });
    const start = async (title: string) => {
      const assignment = await prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: w.lab.id, title } });
      return h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id });
    };
    await setQuota(cpu + 999, 100_000);
    const noCpu = await start('Over CPU').catch((e: unknown) => e as { message: string; cause?: { code?: string; detail?: unknown } });
    expect(noCpu).toMatchObject({ message: expect.stringMatching(/^CPU limit reached: this lab needs 1000m/), cause: { code: 'QUOTA_EXCEEDED', detail: { resource: 'cpu', usedMillis: cpu } } });
    await setQuota(100_000, memory + 511);
    const noMemory = await start('Over memory').catch((e: unknown) => e as { message: string; cause?: { code?: string } });
    expect(noMemory).toMatchObject({ message: expect.stringMatching(/^memory limit reached: this lab needs 512Mi/), cause: { code: 'QUOTA_EXCEEDED' } });
    await setQuota(cpu + 1000, memory + 512);
    const fits = await start('Exactly fits');
    expect(fits.status).toBe('pending');
    const row = await prisma.labInstance.findUniqueOrThrow({ where: { id: fits.id } });
    expect({ cpuMillis: row.cpuMillis, memoryMi: row.memoryMi }).toEqual({ cpuMillis: 1000, memoryMi: 512 });
    await setQuota(100_000, 100_000);
  });

  it('a stopped instance is started again (same instance, lab.start) instead of a new one', async () => {
    const prisma = h.services.db.prisma;
    const instance = await w.makeInstance(h.users.otherStudent.id);
    await prisma.labInstance.update({ where: { id: instance.id }, data: { status: 'stopped', stoppedAt: new Date() } });
    const again = await h.callerFor('otherStudent').instances.start({ assignmentId: w.assignment.id });
    expect(again).toMatchObject({ id: instance.id, status: 'pending' });
    await waitFor('lab.start job', () => jobs['lab.start'].some((j) => (j as { instanceId: string }).instanceId === instance.id));
  });
});

describe('instances.stop', () => {
  it('the owner stops with reason user, the course teacher with reason teacher', async () => {
    const mine = await w.makeInstance();
    expect((await h.callerFor('student').instances.stop({ id: mine.id })).status).toBe('stopping');
    const theirs = await w.makeInstance();
    await h.callerFor('teacher').instances.stop({ id: theirs.id });
    await waitFor('both lab.stop jobs', () => {
      const s = jobs['lab.stop'].map((j) => JSON.stringify(j));
      return s.includes(JSON.stringify({ instanceId: mine.id, reason: 'user' })) && s.includes(JSON.stringify({ instanceId: theirs.id, reason: 'teacher' }));
    });
  });

  it('stopping an instance that is already stopping publishes nothing more', async () => {
    const instance = await w.makeInstance();
    await h.callerFor('student').instances.stop({ id: instance.id });
    await waitFor('first stop', () => jobs['lab.stop'].some((j) => (j as { instanceId: string }).instanceId === instance.id));
    await h.callerFor('student').instances.stop({ id: instance.id });
    // stop returns once its job (if any) is in the queue; a marker published after it arrives after it.
    const marker = { instanceId: `marker-${instance.id}`, reason: 'user' };
    await h.services.queue.publish('lab.stop', marker);
    await waitFor('the marker job', () => jobs['lab.stop'].some((j) => JSON.stringify(j) === JSON.stringify(marker)));
    expect(jobs['lab.stop'].filter((j) => (j as { instanceId: string }).instanceId === instance.id)).toHaveLength(1);
  });
});

describe('terminal tickets', () => {
  it('the owner gets an EdDSA ticket bound to user, session and mode, with the runtime target and recording flag', async () => {
    const t = await h.callerFor('student').sessions.terminalTicket({ instanceId: w.instance.id });
    expect(t.sessionId).toBe(`term-${w.instance.id}`);
    expect(t.gatewayUrl).toBe('');
    const claims = await verifyTicket(h.services.ticketKeys.publicKey, t.ticket);
    expect(claims).toMatchObject({
      sub: h.users.student.id,
      sid: `term-${w.instance.id}`,
      labInstanceId: w.instance.id,
      courseId: w.course.id,
      ownerId: h.users.student.id,
      mode: 'owner',
      recording: true,
      role: 'student',
    });
    // The ticket names the instance only; the gateway takes the sandbox argv from the runtime (sandbox-launch.ts).
    expect(claims.target).toEqual({ kind: 'local-sandbox', instanceId: w.instance.id });
    expect(claims.exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(h.services.env.TICKET_TTL_SECONDS);
    const row = await h.services.db.prisma.terminalSession.findUnique({ where: { id: t.sessionId } });
    expect(row).toMatchObject({ instanceId: w.instance.id, userId: h.users.student.id, recording: true });
  });

  it('a reconnect gets a new ticket for the same session', async () => {
    const a = await h.callerFor('student').sessions.terminalTicket({ instanceId: w.instance.id });
    const b = await h.callerFor('student').sessions.terminalTicket({ instanceId: w.instance.id });
    expect(b.sessionId).toBe(a.sessionId);
    const [ca, cb] = await Promise.all([verifyTicket(h.services.ticketKeys.publicKey, a.ticket), verifyTicket(h.services.ticketKeys.publicKey, b.ticket)]);
    expect(cb.jti).not.toBe(ca.jti);
  });

  it('a lab that is not running yet is CONFLICT on instanceId', async () => {
    const instance = await w.makeInstance();
    await h.services.db.prisma.labInstance.update({ where: { id: instance.id }, data: { status: 'starting' } });
    expect(await outcomeOf(h.callerFor('student').sessions.terminalTicket({ instanceId: instance.id }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'instanceId' });
  });

  it('the course teacher gets a viewer ticket for a live session, without a target, and it is audited', async () => {
    const t = await h.callerFor('teacher').sessions.shadowTicket({ sessionId: w.session.id });
    const claims = await verifyTicket(h.services.ticketKeys.publicKey, t.ticket);
    expect(claims).toMatchObject({ sub: h.users.teacher.id, sid: w.session.id, ownerId: h.users.student.id, mode: 'viewer' });
    expect(claims.target).toBeUndefined();
    const audit = await h.services.db.prisma.auditLog.findFirst({ where: { action: 'sessions.shadowTicket' }, orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ outcome: 'success', actorId: h.users.teacher.id, targetId: w.session.id });
  });

  it('a session whose gateway stopped heartbeating is not live: not listed, not shadowable', async () => {
    const stale: SessionRecord = { ...w.session, id: `term-stale-${w.instance.id}`, heartbeatAt: Date.now() - 10 * 60_000 };
    await h.services.sessionStore.put(stale);
    const live = await h.callerFor('teacher').sessions.live();
    expect(live.map((s) => s.id)).toContain(w.session.id);
    expect(live.map((s) => s.id)).not.toContain(stale.id);
    expect((await outcomeOf(h.callerFor('teacher').sessions.shadowTicket({ sessionId: stale.id }))).appCode).toBe('NOT_FOUND');
    expect(await h.callerFor('otherTeacher').sessions.live()).toEqual([]);
  });

  it('admin.killSession publishes a kill on the session control channel', async () => {
    const got: unknown[] = [];
    const sub = await h.services.sessionStore.subscribe(SESSION_CONTROL_CHANNEL, (m) => got.push(m));
    await h.callerFor('admin').admin.killSession({ sessionId: w.session.id });
    await waitFor('kill message', () => got.length > 0);
    expect(got[0]).toEqual({ type: 'kill', sessionId: w.session.id, by: h.users.admin.id });
    await sub.dispose();
  });
});

describe('on the embedded database (PGlite, one connection)', () => {
  it('five concurrent starts still give one instance, without deadlock', async () => {
    const embedded = await createHarness({ database: 'pglite' });
    try {
      const world = await seedWorld(embedded);
      const assignment = await embedded.services.db.prisma.assignment.create({ data: { courseId: world.course.id, labConfigId: world.lab.id, title: 'Race' } });
      const caller = embedded.callerFor('otherStudent');
      const results = await Promise.all(Array.from({ length: 5 }, () => caller.instances.start({ assignmentId: assignment.id })));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
    } finally {
      await embedded.close();
    }
  });
});

describe('when the queue is down', () => {
  it('instances.start fails with SERVICE_UNAVAILABLE and the instance is marked failed, not left pending, and counted as a start failure', async () => {
    const down = await createHarness({ backing: 'memory' });
    const failures = async () => sample(await metricsRegistry.getSingleMetricAsString('autolabs_lab_start_failures_total'), 'autolabs_lab_start_failures_total', { reason: 'SERVICE_UNAVAILABLE' }) ?? 0;
    try {
      const world = await seedWorld(down);
      await down.services.queue.close();
      const assignment = await down.services.db.prisma.assignment.create({ data: { courseId: world.course.id, labConfigId: world.lab.id, title: 'No queue' } });
      const before = await failures();
      const r = await outcomeOf(down.callerFor('otherStudent').instances.start({ assignmentId: assignment.id }));
      expect(r.appCode).toBe('SERVICE_UNAVAILABLE');
      const rows = await down.services.db.prisma.labInstance.findMany({ where: { deployment: { assignmentId: assignment.id } } });
      expect(rows.map((i) => i.status)).toEqual(['failed']);
      // What /metrics of this API process shows (docs/operations.md).
      expect(await failures()).toBe(before + 1);
    } finally {
      await down.close();
    }
  });
});
