/**
 * Class progress through the real router and Postgres (issue 10 point 4): a course's teacher (or an admin)
 * sees a deployment's students x checks, runs the checks for the whole class and exports the table as CSV;
 * nobody else does, not even a student who started the deployment. Real labs (LocalRuntime) answer the
 * checks; a gated runtime shows that a class run checks at most four labs at once and stores each lab's
 * results as they come. Escaping and the limit on students are checked on the CSV itself.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabConfig } from '@autolabs/server/labs/lab-config';
import type { LabRuntime, RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { classCheckRunSettled } from '@autolabs/server/progress/class-check-run';
import { MAX_PROGRESS_CELLS, MAX_PROGRESS_STUDENTS } from '@autolabs/server/progress/class-progress';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { createCaller } from '@autolabs/server/trpc/root';
import type { User } from '@autolabs/server/generated/prisma/client';
import { courseStudent, createHarness, outcomeOf, seedWorld, uniq, type CastMember, type Harness, type World } from './api-harness';

const CHECKED_LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: progress-lab
  title: Progress lab
spec:
  containers:
    - name: shell
      image: debian:12-slim
      terminal: true
  checks:
    - name: notes file exists
      command: [test, -f, /home/student/notes.txt]
    - name: notes say hello, politely
      command: [cat, /home/student/notes.txt]
      expect: { stdoutContains: hello }
`;
const config = parseLabConfig(CHECKED_LAB);

let h: Harness;
let w: World;
let labId: string;
let assignmentId: string;

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  const lab = await storeLab(h.services, CHECKED_LAB, { createdById: h.users.teacher.id, courseId: w.course.id });
  labId = lab.id;
  assignmentId = (await h.services.db.prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: lab.id, title: 'Progress' } })).id;
});

afterAll(async () => {
  await h?.close();
});

const prisma = () => h.services.db.prisma;

async function deployment(createdById = h.users.teacher.id) {
  return prisma().labDeployment.create({ data: { labConfigId: labId, courseId: w.course.id, assignmentId, mode: 'per_student', status: 'running', createdById } });
}

/** A running lab of `owner` in `deploymentId`, on the real LocalRuntime. */
async function runningLab(deploymentId: string, owner: User) {
  const id = randomUUID();
  const handle = await h.services.runtime.start({ instanceId: id, ownerKey: owner.username, labKey: 'progress-lab', config });
  h.onClose(() => h.services.runtime.destroy(handle));
  await prisma().labInstance.create({ data: { id, deploymentId, ownerUserId: owner.id, status: 'running', startedAt: new Date(), runtimeHandle: handle as object } });
  return { id, handle };
}

const student = (displayName: string) => courseStudent(h, w.course.id, displayName);

const lastAudit = () => prisma().auditLog.findFirst({ orderBy: { id: 'desc' } });
const rowOf = <R extends { userId: string }>(progress: { rows: R[] }, user: User) => progress.rows.find((r) => r.userId === user.id);

describe('class progress', () => {
  it('is for the course’s teachers and admins only: not another teacher, not a student, not even one who started the deployment', async () => {
    const d = await deployment();
    await runningLab(d.id, h.users.student);
    for (const who of ['admin', 'teacher'] as CastMember[]) {
      const caller = h.callerFor(who);
      expect(await outcomeOf(caller.progress.get({ id: d.id }))).toEqual({ code: 'ok' });
      expect(await outcomeOf(caller.progress.csv({ id: d.id }))).toEqual({ code: 'ok' });
    }
    for (const who of ['otherTeacher', 'student', 'otherStudent', 'viewer'] as CastMember[]) {
      const caller = h.callerFor(who);
      for (const call of [() => caller.progress.get({ id: d.id }), () => caller.progress.csv({ id: d.id }), () => caller.progress.runChecks({ id: d.id })]) {
        expect({ who, ...(await outcomeOf(call())) }).toEqual({ who, code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'id' });
      }
      expect(await lastAudit()).toMatchObject({ action: 'progress.runChecks', outcome: 'denied', actorId: h.users[who as Exclude<CastMember, 'anonymous'>].id });
    }
    // The one-student deployment a student's own Start makes is theirs (createdById), its progress is not.
    const own = await deployment(h.users.student.id);
    expect(await outcomeOf(h.callerFor('student').progress.get({ id: own.id }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'id' });
    expect(await outcomeOf(h.callerFor('teacher').progress.get({ id: randomUUID() }))).toEqual({ code: 'NOT_FOUND', appCode: 'NOT_FOUND', field: 'id' });
    expect(await outcomeOf(h.callerFor('anonymous').progress.get({ id: d.id }))).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('counts a student’s own attempts, shows the class run’s results as the latest, and reports a stopped lab as not running', async () => {
    const d = await deployment();
    const [ada, bo, cy] = [await student('Ada'), await student('Bo'), await student('Cy')];
    const adaLab = await runningLab(d.id, ada);
    await runningLab(d.id, bo);
    const cyLab = await runningLab(d.id, cy);
    await prisma().labInstance.update({ where: { id: cyLab.id }, data: { status: 'stopped' } });

    // Ada checks twice before doing the work; her teacher checks her lab once from the lab page.
    const adaCaller = h.callerAs(ada);
    await adaCaller.instances.check({ id: adaLab.id });
    await adaCaller.instances.check({ id: adaLab.id });
    await h.callerFor('teacher').instances.check({ id: adaLab.id });
    const teacher = h.callerFor('teacher');
    let progress = await teacher.progress.get({ id: d.id });
    expect(progress.checks).toEqual(['notes file exists', 'notes say hello, politely']);
    expect(progress.rows.map((r) => [r.displayName, r.instanceStatus])).toEqual([
      ['Ada', 'running'],
      ['Bo', 'running'],
      ['Cy', 'stopped'],
    ]);
    expect(rowOf(progress, ada)?.checks.map((c) => [c.passed, c.attempts])).toEqual([
      [false, 2],
      [false, 2],
    ]);
    expect(rowOf(progress, bo)?.checks.map((c) => [c.passed, c.attempts, c.lastRunAt])).toEqual([
      [null, 0, null],
      [null, 0, null],
    ]);

    // Ada does the work; the teacher runs the checks for the class.
    await h.services.runtime.exec(adaLab.handle, config, ['sh', '-c', 'echo hello > /home/student/notes.txt']);
    const started = await teacher.progress.runChecks({ id: d.id });
    expect(started.run).toMatchObject({ total: 2, finishedAt: null, notRunning: [{ instanceId: cyLab.id, status: 'stopped', userIds: [cy.id] }] });
    expect(await lastAudit()).toMatchObject({ action: 'progress.runChecks', outcome: 'success', actorId: h.users.teacher.id, targetId: d.id });
    await classCheckRunSettled(d.id);

    progress = await teacher.progress.get({ id: d.id });
    expect(progress.run).toMatchObject({ total: 2, checked: 2, failed: 0 });
    expect(progress.run?.finishedAt).not.toBeNull();
    const adaCells = rowOf(progress, ada)!.checks;
    expect(adaCells.map((c) => [c.passed, c.attempts])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    expect(adaCells[0].firstPassedAt).toBe(adaCells[0].lastRunAt);
    expect(rowOf(progress, bo)?.checks.map((c) => [c.passed, c.attempts])).toEqual([
      [false, 0],
      [false, 0],
    ]);
    // Nothing stored for the stopped lab.
    expect(rowOf(progress, cy)?.checks.map((c) => c.passed)).toEqual([null, null]);
    expect(await prisma().submission.count({ where: { userId: cy.id } })).toBe(0);
    expect(await prisma().submission.count({ where: { userId: bo.id, ranById: h.users.teacher.id } })).toBe(1);
  });

  it('exports the table as CSV with formulas defused and commas, quotes and line breaks quoted; the export is audited', async () => {
    const d = await deployment();
    const mallory = await student('=HYPERLINK("http://evil.example","click")');
    const doe = await student('Doe, "Jo"\nthe second');
    await runningLab(d.id, mallory);
    await runningLab(d.id, doe);
    const out = await h.callerFor('teacher').progress.csv({ id: d.id });
    expect(out.filename).toMatch(/^progress-progress-lab-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(out.students).toBe(2);
    const lines = out.csv.split('\r\n');
    expect(lines[0]).toBe(
      'student,username,lab status,notes file exists: passed,notes file exists: last run,notes file exists: attempts,' +
        '"notes say hello, politely: passed","notes say hello, politely: last run","notes say hello, politely: attempts"',
    );
    expect(out.csv).toContain(`"Doe, ""Jo""\nthe second",${doe.username},running,,,0,,,0\r\n`);
    expect(out.csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")",${mallory.username},running,,,0,,,0\r\n`);
    expect(await lastAudit()).toMatchObject({ action: 'progress.csv', outcome: 'success', actorId: h.users.teacher.id, targetId: d.id });
  });

  it(`refuses a table of more than ${MAX_PROGRESS_STUDENTS} students (or a table over ${MAX_PROGRESS_CELLS} results) with PROGRESS_TOO_LARGE (413), before reading it`, async () => {
    const d = await deployment();
    const many = Array.from({ length: MAX_PROGRESS_STUDENTS + 1 }, () => ({ id: randomUUID(), username: uniq('many'), displayName: 'Many', role: 'student' as const }));
    await prisma().user.createMany({ data: many });
    await prisma().labInstance.createMany({ data: many.map((u) => ({ deploymentId: d.id, ownerUserId: u.id, status: 'stopped' as const })) });
    const teacher = h.callerFor('teacher');
    for (const call of [() => teacher.progress.csv({ id: d.id }), () => teacher.progress.get({ id: d.id })]) {
      expect(await outcomeOf(call())).toEqual({ code: 'PAYLOAD_TOO_LARGE', appCode: 'PROGRESS_TOO_LARGE', field: 'id' });
    }
    await expect(teacher.progress.csv({ id: d.id })).rejects.toThrow(`this deployment has ${MAX_PROGRESS_STUDENTS + 1} students and 2 checks; a progress table or its CSV holds at most ${MAX_PROGRESS_STUDENTS} students`);
    expect(await lastAudit()).toMatchObject({ action: 'progress.csv', outcome: 'error', detail: { code: 'PROGRESS_TOO_LARGE', field: 'id' } });
    // One fewer fits.
    await prisma().labInstance.deleteMany({ where: { ownerUserId: many[0].id } });
    expect((await teacher.progress.csv({ id: d.id })).students).toBe(MAX_PROGRESS_STUDENTS);

    // Fewer students, but a lab with so many checks that the table would hold over MAX_PROGRESS_CELLS results.
    const checks = Array.from({ length: 101 }, (_, i) => `    - name: check ${i}\n      command: ['true']\n`).join('');
    const wide = await storeLab(h.services, `${CHECKED_LAB.split('  checks:')[0].replace('progress-lab', 'wide-lab')}  checks:\n${checks}`, {
      createdById: h.users.teacher.id,
      courseId: w.course.id,
    });
    const wideD = await prisma().labDeployment.create({ data: { labConfigId: wide.id, courseId: w.course.id, assignmentId, mode: 'per_student', status: 'running', createdById: h.users.teacher.id } });
    await prisma().labInstance.createMany({ data: many.slice(1).map((u) => ({ deploymentId: wideD.id, ownerUserId: u.id, status: 'stopped' as const })) });
    expect(MAX_PROGRESS_STUDENTS * 101).toBeGreaterThan(MAX_PROGRESS_CELLS);
    await expect(teacher.progress.csv({ id: wideD.id })).rejects.toMatchObject({ cause: { code: 'PROGRESS_TOO_LARGE', field: 'id', message: expect.stringMatching(/has 1000 students and 101 checks/) } });
  });
});

/** Every check passes; counts the execs. */
class PassingRuntime implements Pick<LabRuntime, 'exec'> {
  execs = 0;
  async exec(): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    this.execs++;
    return { exitCode: 0, stdout: 'hello', stderr: '' };
  }
}

describe('the students of a group lab and of a shared lab', () => {
  it('are the group’s members and the course’s students; one class run of the lab stores a submission for each of them', async () => {
    const passing = new PassingRuntime();
    const teacher = createCaller({ ...h.contextFor('teacher'), services: { ...h.services, runtime: passing as unknown as LabRuntime } });
    const [gia, hal] = [await student('Gia'), await student('Hal')];
    const group = await prisma().studentGroup.create({ data: { courseId: w.course.id, name: uniq('team'), members: { create: [{ userId: gia.id }, { userId: hal.id }] } } });
    const grouped = await prisma().labDeployment.create({ data: { labConfigId: labId, courseId: w.course.id, assignmentId, mode: 'per_group', status: 'running', createdById: h.users.teacher.id } });
    const groupLab = randomUUID();
    await prisma().labInstance.create({ data: { id: groupLab, deploymentId: grouped.id, groupId: group.id, status: 'running', runtimeHandle: { runtime: 'local', instanceId: groupLab } } });

    await teacher.progress.runChecks({ id: grouped.id });
    await classCheckRunSettled(grouped.id);
    expect(passing.execs).toBe(2);
    let progress = await teacher.progress.get({ id: grouped.id });
    expect(progress.rows.map((r) => [r.displayName, r.instanceId, r.checks.map((c) => [c.passed, c.attempts])])).toEqual([
      ['Gia', groupLab, [[true, 0], [true, 0]]],
      ['Hal', groupLab, [[true, 0], [true, 0]]],
    ]);

    const shared = await prisma().labDeployment.create({ data: { labConfigId: labId, courseId: w.course.id, assignmentId, mode: 'shared', status: 'running', createdById: h.users.teacher.id } });
    const sharedLab = randomUUID();
    await prisma().labInstance.create({ data: { id: sharedLab, deploymentId: shared.id, status: 'running', runtimeHandle: { runtime: 'local', instanceId: sharedLab } } });
    await teacher.progress.runChecks({ id: shared.id });
    await classCheckRunSettled(shared.id);
    expect(passing.execs).toBe(4);
    progress = await teacher.progress.get({ id: shared.id });
    const courseStudents = await prisma().courseMember.findMany({ where: { courseId: w.course.id, role: 'student' }, select: { userId: true } });
    expect(progress.rows.map((r) => r.userId).sort()).toEqual(courseStudents.map((m) => m.userId).sort());
    expect(progress.rows.every((r) => r.instanceId === sharedLab && r.checks.every((c) => c.passed === true))).toBe(true);
    expect(await prisma().submission.count({ where: { instanceId: sharedLab } })).toBe(courseStudents.length);
  });
});

/**
 * Holds every exec until the test releases its lab, and counts how many labs are in an exec at once. Its
 * labs need no sandbox: the handles are plain records, and only exec is ever called.
 */
class GatedRuntime implements Pick<LabRuntime, 'exec'> {
  readonly waiting = new Map<string, () => void>();
  maxAtOnce = 0;
  private arrivals: (() => void)[] = [];
  private open = false;

  async exec(handle: RuntimeHandle): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    await new Promise<void>((release) => {
      if (this.open) return release();
      this.waiting.set(handle.instanceId, release);
      this.maxAtOnce = Math.max(this.maxAtOnce, this.waiting.size);
      for (const wake of this.arrivals.splice(0)) wake();
    });
    return { exitCode: 0, stdout: 'hello', stderr: '' };
  }

  /** Resolves once `n` labs are held in an exec. */
  async held(n: number): Promise<void> {
    while (this.waiting.size < n) await new Promise<void>((wake) => this.arrivals.push(wake));
  }

  release(instanceId: string): void {
    const release = this.waiting.get(instanceId);
    this.waiting.delete(instanceId);
    release?.();
  }

  /** Releases every held exec and lets every later one through. */
  openAll(): void {
    this.open = true;
    for (const id of [...this.waiting.keys()]) this.release(id);
  }
}

describe('running the checks for a class', () => {
  it('checks at most four labs at once, stores each lab’s results as they come, and refuses a second run while one goes on', async () => {
    const d = await deployment();
    const labs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const owner = await student(`Student ${i}`);
      const id = randomUUID();
      await prisma().labInstance.create({ data: { id, deploymentId: d.id, ownerUserId: owner.id, status: 'running', runtimeHandle: { runtime: 'local', instanceId: id } } });
      labs.push(id);
    }
    const gated = new GatedRuntime();
    const teacher = createCaller({ ...h.contextFor('teacher'), services: { ...h.services, runtime: gated as unknown as LabRuntime } });
    expect((await teacher.progress.runChecks({ id: d.id })).run).toMatchObject({ total: 6, checked: 0, notRunning: [] });
    await gated.held(4);
    expect(await outcomeOf(teacher.progress.runChecks({ id: d.id }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'id' });
    expect(await prisma().submission.count({ where: { instanceId: { in: labs } } })).toBe(0);

    // One lab's first check answers: its second check is held next, in the same slot.
    const first = [...gated.waiting.keys()][0];
    gated.release(first);
    await gated.held(4);
    expect([...gated.waiting.keys()]).toContain(first);
    gated.release(first);
    // Its results are stored while the other labs are still held; a fifth lab takes its slot.
    await gated.held(4);
    expect(gated.waiting.has(first)).toBe(false);
    await expect.poll(() => prisma().submission.count({ where: { instanceId: { in: labs } } })).toBe(1);
    expect((await prisma().submission.findFirst({ where: { instanceId: { in: labs } } }))?.instanceId).toBe(first);
    expect((await teacher.progress.get({ id: d.id })).run).toMatchObject({ total: 6, checked: 1, finishedAt: null });

    gated.openAll();
    await classCheckRunSettled(d.id);
    expect(gated.maxAtOnce).toBe(4);
    expect(await prisma().submission.count({ where: { instanceId: { in: labs } } })).toBe(6);
    expect((await teacher.progress.get({ id: d.id })).run).toMatchObject({ total: 6, checked: 6, failed: 0 });
  });
});
