/**
 * instances.check runs the lab's checks inside a real running lab (LocalRuntime, real bubblewrap) and
 * records each run as a submission for the assignment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { parseLabConfig } from '@autolabs/server/labs/lab-config';
import type { LabRuntime, RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { createCaller } from '@autolabs/server/trpc/root';
import { createHarness, seedWorld, type Harness, type World } from './api-harness';

const CHECKED_LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: checked-lab
  title: Checked lab
spec:
  containers:
    - name: shell
      image: debian:12-slim
      terminal: true
  checks:
    - name: notes file exists
      command: [test, -f, /home/student/notes.txt]
    - name: notes say hello
      command: [cat, /home/student/notes.txt]
      expect: { stdoutContains: hello }
`;

/** A runtime whose `exec` is not implemented yet (as a new runtime might be at first). */
class ExeclessRuntime implements LabRuntime {
  constructor(private readonly inner: LabRuntime) {}
  readonly name = 'local' as const;
  checkAvailable = () => this.inner.checkAvailable();
  start: LabRuntime['start'] = (req, onProgress) => this.inner.start(req, onProgress);
  status = (h: RuntimeHandle) => this.inner.status(h);
  stop = (h: RuntimeHandle) => this.inner.stop(h);
  destroy = (h: RuntimeHandle) => this.inner.destroy(h);
  terminalTarget: LabRuntime['terminalTarget'] = (h, c) => this.inner.terminalTarget(h, c);
  async exec(): Promise<never> {
    throw new AppError('NOT_AVAILABLE_YET', 'this runtime cannot run lab checks yet');
  }
}

let h: Harness;
let w: World;
let handle: RuntimeHandle;
let instanceId: string;
let assignmentId: string;

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  const prisma = h.services.db.prisma;
  const lab = await storeLab(h.services, CHECKED_LAB, { createdById: h.users.teacher.id, courseId: w.course.id });
  const assignment = await prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: lab.id, title: 'Checked' } });
  assignmentId = assignment.id;
  const deployment = await prisma.labDeployment.create({
    data: { labConfigId: lab.id, courseId: w.course.id, assignmentId, mode: 'per_student', status: 'running', createdById: h.users.teacher.id },
  });
  const instance = await prisma.labInstance.create({ data: { deploymentId: deployment.id, ownerUserId: h.users.student.id, status: 'starting' } });
  instanceId = instance.id;
  handle = await h.services.runtime.start({ instanceId, ownerKey: 'student', labKey: 'checked-lab', config: parseLabConfig(CHECKED_LAB) });
  await prisma.labInstance.update({ where: { id: instanceId }, data: { status: 'running', runtimeHandle: handle as object, startedAt: new Date() } });
});

afterAll(async () => {
  if (handle) await h.services.runtime.destroy(handle).catch(() => undefined);
  await h?.close();
});

describe('instances.check', () => {
  it('reports failing checks with their output, then passing ones after the student did the work; each run is a submission', async () => {
    const student = h.callerFor('student');
    const before = await student.instances.check({ id: instanceId });
    expect(before.results.map((r) => [r.name, r.passed])).toEqual([
      ['notes file exists', false],
      ['notes say hello', false],
    ]);
    expect(before.score).toBe(0);
    expect(before.results[1].output).toContain('No such file');

    await h.services.runtime.exec(handle, parseLabConfig(CHECKED_LAB), ['sh', '-c', 'echo hello world > /home/student/notes.txt']);
    const after = await h.callerFor('teacher').instances.check({ id: instanceId });
    expect(after).toMatchObject({ passed: 2, total: 2, score: 1 });

    const submissions = await h.services.db.prisma.submission.findMany({ where: { assignmentId }, orderBy: { submittedAt: 'asc' } });
    expect(submissions.map((s) => [s.userId, s.score])).toEqual([
      [h.users.student.id, 0],
      [h.users.student.id, 1],
    ]);
  });

  it('a runtime that cannot run checks yet answers NOT_AVAILABLE_YET', async () => {
    const caller = createCaller({ ...h.contextFor('student'), services: { ...h.services, runtime: new ExeclessRuntime(h.services.runtime) } });
    await expect(caller.instances.check({ id: instanceId })).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED', cause: { code: 'NOT_AVAILABLE_YET' } });
  });
});
