/**
 * Starting a lab for a class (issue 10, class start pitfalls): one student at their quota does not block
 * the others and is named with the reason; a lab deployed without an assignment still reaches the students'
 * My labs; a student's start of an assignment made afterwards reuses the lab already running.
 */
import { describe, expect, it } from 'vitest';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { LAB_YAML, outcomeOf, uniq, useSeededHarness } from './api-harness';

const t = useSeededHarness();

const LIVE = ['pending', 'starting', 'running', 'stopping'] as const;

/** A fresh course (teacher, student, otherStudent) with its own lab and no assignment. */
async function freshCourse() {
  const course = await t.w.makeCourse();
  const name = uniq('class-lab');
  const lab = await storeLab(t.h.services, LAB_YAML.replace('name: api-test-lab', `name: ${name}`), { createdById: t.h.users.teacher.id, courseId: course.id });
  return { course, lab };
}

function liveOf(userId: string, labConfigId: string) {
  return t.h.services.db.prisma.labInstance.findMany({ where: { ownerUserId: userId, status: { in: [...LIVE] }, deployment: { labConfigId } } });
}

async function setInstanceLimit(userId: string, maxInstances: number) {
  await t.h.callerFor('admin').admin.setQuota({ scope: 'user', userId, maxInstances, maxCpuMillis: 1_000_000, maxMemoryMi: 10_000_000 });
}

async function liveCount(userId: string) {
  return t.h.services.db.prisma.labInstance.count({ where: { ownerUserId: userId, status: { in: [...LIVE] } } });
}

describe('class start', () => {
  it('one student at their quota does not block the others: the rest start, the refused student is named with the reason', async () => {
    const { course, lab } = await freshCourse();
    await setInstanceLimit(t.h.users.student.id, await liveCount(t.h.users.student.id));
    try {
      const d = await t.h.callerFor('teacher').deployments.start({ labConfigId: lab.id, courseId: course.id });
      expect(d.instances.map((i) => i.ownerUserId)).toEqual([t.h.users.otherStudent.id]);
      expect(d.refused).toEqual([
        { userId: t.h.users.student.id, name: 'student', code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/^at the limit of \d+ running labs?$/) },
      ]);
      expect(await liveOf(t.h.users.student.id, lab.id)).toEqual([]);
    } finally {
      await setInstanceLimit(t.h.users.student.id, 100);
    }
  });

  it('when nobody can start, the start is QUOTA_EXCEEDED on studentIds naming every student, and nothing is created', async () => {
    const { course, lab } = await freshCourse();
    await setInstanceLimit(t.h.users.student.id, await liveCount(t.h.users.student.id));
    await setInstanceLimit(t.h.users.otherStudent.id, await liveCount(t.h.users.otherStudent.id));
    try {
      const attempt = t.h.callerFor('teacher').deployments.start({ labConfigId: lab.id, courseId: course.id });
      const message = await attempt.then(
        () => '',
        (err: unknown) => (err as Error).message,
      );
      expect(await outcomeOf(attempt)).toEqual({ code: 'TOO_MANY_REQUESTS', appCode: 'QUOTA_EXCEEDED', field: 'studentIds' });
      expect(message).toMatch(/other-student: at the limit of \d+ running labs?/);
      expect(message).toMatch(/(: |; )student: at the limit of \d+ running labs?/);
      const prisma = t.h.services.db.prisma;
      expect(await prisma.labDeployment.count({ where: { courseId: course.id } })).toBe(0);
      expect(await prisma.assignment.count({ where: { courseId: course.id } })).toBe(0);
    } finally {
      await setInstanceLimit(t.h.users.student.id, 100);
      await setInstanceLimit(t.h.users.otherStudent.id, 100);
    }
  });

  it('a student who already runs the lab in the course is reported as already running, not given a second instance', async () => {
    const { course, lab } = await freshCourse();
    const teacher = t.h.callerFor('teacher');
    const first = await teacher.deployments.start({ labConfigId: lab.id, courseId: course.id, studentIds: [t.h.users.student.id] });
    const second = await teacher.deployments.start({ labConfigId: lab.id, courseId: course.id });
    expect(second.instances.map((i) => i.ownerUserId)).toEqual([t.h.users.otherStudent.id]);
    expect(second.deployment).not.toBeNull();
    expect(second.alreadyRunning).toEqual([{ userId: t.h.users.student.id, name: 'student', instanceId: first.instances[0].id }]);
    expect(await liveOf(t.h.users.student.id, lab.id)).toHaveLength(1);
    // Started again for the same student only: nothing new, and no error.
    const again = await teacher.deployments.start({ labConfigId: lab.id, courseId: course.id, studentIds: [t.h.users.student.id] });
    expect(again).toMatchObject({ deployment: null, instances: [], refused: [] });
    expect(again.alreadyRunning.map((r) => r.instanceId)).toEqual([first.instances[0].id]);
  });
});

describe('deploying a lab without an assignment', () => {
  it('creates an assignment titled after the lab, so every student finds the instance in My labs', async () => {
    const { course, lab } = await freshCourse();
    const d = await t.h.callerFor('teacher').deployments.start({ labConfigId: lab.id, courseId: course.id });
    expect(d.deployment?.assignmentId).toBeTruthy();
    const assignments = await t.h.callerFor('teacher').assignments.list({ courseId: course.id });
    expect(assignments.map((a) => [a.id, a.title, a.labConfigId])).toEqual([[d.deployment?.assignmentId, 'API test lab', lab.id]]);
    for (const who of ['student', 'otherStudent'] as const) {
      const mine = (await t.h.callerFor(who).assignments.mine()).find((a) => a.id === d.deployment?.assignmentId);
      expect(mine?.instance?.id).toBe(d.instances.find((i) => i.ownerUserId === t.h.users[who].id)?.id);
    }
  });

  it('uses the course assignment of that lab when there is one', async () => {
    const { course, lab } = await freshCourse();
    const assignment = await t.h.callerFor('teacher').assignments.create({ courseId: course.id, labConfigId: lab.id, title: 'Week 1' });
    const d = await t.h.callerFor('teacher').deployments.start({ labConfigId: lab.id, courseId: course.id });
    expect(d.deployment?.assignmentId).toBe(assignment.id);
    expect(await t.h.services.db.prisma.assignment.count({ where: { courseId: course.id } })).toBe(1);
  });
});

describe('an assignment created after the lab was started', () => {
  it("a student's start reuses the running instance of that lab instead of starting a second one", async () => {
    const { course, lab } = await freshCourse();
    const d = await t.h.callerFor('teacher').deployments.start({ labConfigId: lab.id, courseId: course.id, studentIds: [t.h.users.student.id] });
    const later = await t.h.callerFor('teacher').assignments.create({ courseId: course.id, labConfigId: lab.id, title: 'Homework' });
    const started = await t.h.callerFor('student').instances.start({ assignmentId: later.id });
    expect(started.id).toBe(d.instances[0].id);
    expect(await liveOf(t.h.users.student.id, lab.id)).toHaveLength(1);
    const mine = (await t.h.callerFor('student').assignments.mine()).find((a) => a.id === later.id);
    expect(mine?.instance?.id).toBe(d.instances[0].id);
  });

  it('an assignment-less deployment left by an older version is reused and becomes visible under the new assignment', async () => {
    const { course, lab } = await freshCourse();
    const prisma = t.h.services.db.prisma;
    const old = await prisma.labDeployment.create({
      data: {
        labConfigId: lab.id,
        courseId: course.id,
        mode: 'per_student',
        status: 'running',
        createdById: t.h.users.teacher.id,
        instances: { create: [{ ownerUserId: t.h.users.otherStudent.id, status: 'running' }] },
      },
      include: { instances: true },
    });
    const assignment = await t.h.callerFor('teacher').assignments.create({ courseId: course.id, labConfigId: lab.id, title: 'Made afterwards' });
    const mineBefore = (await t.h.callerFor('otherStudent').assignments.mine()).find((a) => a.id === assignment.id);
    expect(mineBefore?.instance?.id).toBe(old.instances[0].id);
    const started = await t.h.callerFor('otherStudent').instances.start({ assignmentId: assignment.id });
    expect(started.id).toBe(old.instances[0].id);
    expect(await liveOf(t.h.users.otherStudent.id, lab.id)).toHaveLength(1);
  });
});
