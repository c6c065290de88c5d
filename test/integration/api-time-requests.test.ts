/**
 * Requests for more time through the real router and Postgres: the lab's student asks (nobody else may),
 * a second request while one is pending is refused and adds nothing, a teacher of the course (not another
 * course's, not the student) grants a chosen number of minutes that move expiresAt, never past the lab's
 * start plus twice its ttl (TIME_LIMIT_EXCEEDED on `minutes`, nothing changed), or declines; the student
 * sees the answer on instances.get and the teacher the pending request on deployments.status; every
 * call is in the audit log, refusals included.
 */
import { describe, expect, it } from 'vitest';
import { outcomeOf, useSeededHarness, type Harness } from './api-harness';

const t = useSeededHarness();

const HOUR = 3_600_000;

/** A running instance of the student's that started `startedAgoMs` ago and ends at start + 2h (the test lab's default ttl). */
async function runningLab(startedAgoMs = 0) {
  const instance = await t.w.makeInstance();
  const startedAt = new Date(Date.now() - startedAgoMs);
  return t.h.services.db.prisma.labInstance.update({ where: { id: instance.id }, data: { startedAt, expiresAt: new Date(startedAt.getTime() + 2 * HOUR) } });
}

const ask = (instanceId: string, who: Parameters<Harness['callerFor']>[0] = 'student') => t.h.callerFor(who).timeRequests.request({ instanceId });
const expiresAtOf = async (id: string) => (await t.h.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id } })).expiresAt!.getTime();
const requestsOf = (instanceId: string) => t.h.services.db.prisma.labTimeRequest.findMany({ where: { instanceId } });
const lastAudit = async () => t.h.services.db.prisma.auditLog.findFirst({ orderBy: { id: 'desc' } });

describe('asking for more time', () => {
  it("lets only the lab's own student ask, and a second ask while one is pending is refused without a duplicate", async () => {
    const lab = await runningLab();
    for (const who of ['otherStudent', 'teacher', 'otherTeacher', 'admin'] as const) {
      expect({ who, ...(await outcomeOf(ask(lab.id, who))) }).toEqual({ who, code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'instanceId' });
    }
    const request = await ask(lab.id);
    expect(request).toMatchObject({ instanceId: lab.id, status: 'pending', requestedBy: { id: t.h.users.student.id } });
    expect(await lastAudit()).toMatchObject({ action: 'timeRequests.request', outcome: 'success', actorId: t.h.users.student.id });

    expect(await outcomeOf(ask(lab.id))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'instanceId' });
    await expect(ask(lab.id)).rejects.toThrow(/already asked for more time/);
    expect(await requestsOf(lab.id)).toHaveLength(1);
    expect(await lastAudit()).toMatchObject({ action: 'timeRequests.request', outcome: 'error', actorId: t.h.users.student.id, detail: { code: 'CONFLICT', field: 'instanceId' } });

    // Two at once: one request, one refusal.
    const other = await runningLab();
    const both = await Promise.all([outcomeOf(ask(other.id)), outcomeOf(ask(other.id))]);
    expect(both.map((o) => o.code).sort()).toEqual(['CONFLICT', 'ok']);
    expect(await requestsOf(other.id)).toHaveLength(1);

    // The student sees it pending; the teacher finds it on the deployment.
    expect((await t.h.callerFor('student').instances.get({ id: lab.id })).timeRequest).toMatchObject({ id: request.id, status: 'pending' });
    const status = await t.h.callerFor('teacher').deployments.status({ id: lab.deploymentId });
    expect(status.instances.find((i) => i.id === lab.id)?.timeRequest).toMatchObject({ id: request.id, status: 'pending', requestedBy: { displayName: t.h.users.student.displayName } });
  });

  it('refuses a lab that is not running, and a lab that already has all the time it may get', async () => {
    const stopped = await runningLab();
    await t.h.services.db.prisma.labInstance.update({ where: { id: stopped.id }, data: { status: 'stopped' } });
    expect(await outcomeOf(ask(stopped.id))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'instanceId' });

    const full = await runningLab(HOUR);
    await t.h.services.db.prisma.labInstance.update({ where: { id: full.id }, data: { expiresAt: new Date(full.startedAt!.getTime() + 4 * HOUR) } });
    expect(await outcomeOf(ask(full.id))).toEqual({ code: 'UNPROCESSABLE_CONTENT', appCode: 'TIME_LIMIT_EXCEEDED', field: 'instanceId' });
    expect(await requestsOf(full.id)).toHaveLength(0);
  });
});

describe('answering a request for more time', () => {
  it('lets only a teacher of the course (or an admin) grant, and moves expiresAt by the minutes granted', async () => {
    const lab = await runningLab();
    const request = await ask(lab.id);
    const before = await expiresAtOf(lab.id);
    for (const who of ['student', 'otherStudent', 'otherTeacher'] as const) {
      expect({ who, ...(await outcomeOf(t.h.callerFor(who).timeRequests.grant({ id: request.id, minutes: 30 }))) }).toEqual({ who, code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'id' });
      expect(await lastAudit()).toMatchObject({ action: 'timeRequests.grant', outcome: 'denied', actorId: t.h.users[who].id });
    }
    expect(await expiresAtOf(lab.id)).toBe(before);

    const granted = await t.h.callerFor('teacher').timeRequests.grant({ id: request.id, minutes: 30 });
    expect(granted.request).toMatchObject({ status: 'granted', grantedMinutes: 30 });
    expect(await expiresAtOf(lab.id)).toBe(before + 30 * 60_000);
    expect(Date.parse(granted.expiresAt)).toBe(before + 30 * 60_000);
    expect(await lastAudit()).toMatchObject({ action: 'timeRequests.grant', outcome: 'success', actorId: t.h.users.teacher.id });
    expect((await t.h.callerFor('student').instances.get({ id: lab.id })).timeRequest).toMatchObject({ status: 'granted', grantedMinutes: 30 });

    // Answered: a second answer is refused; the student may ask again.
    expect(await outcomeOf(t.h.callerFor('teacher').timeRequests.grant({ id: request.id, minutes: 15 }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'id' });
    expect(await outcomeOf(t.h.callerFor('admin').timeRequests.decline({ id: request.id }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'id' });
    expect(await expiresAtOf(lab.id)).toBe(before + 30 * 60_000);
    const again = await ask(lab.id);
    await t.h.callerFor('admin').timeRequests.grant({ id: again.id, minutes: 15 });
    expect(await expiresAtOf(lab.id)).toBe(before + 45 * 60_000);
  });

  it("refuses minutes past the lab's start plus twice its ttl on the field minutes, saying how many fit, and changes nothing", async () => {
    const lab = await runningLab(HOUR); // started an hour ago, ends in an hour: at most 2 more hours
    const request = await ask(lab.id);
    const before = await expiresAtOf(lab.id);
    const grant = (minutes: number) => t.h.callerFor('teacher').timeRequests.grant({ id: request.id, minutes });
    expect(await outcomeOf(grant(121))).toEqual({ code: 'UNPROCESSABLE_CONTENT', appCode: 'TIME_LIMIT_EXCEEDED', field: 'minutes' });
    await expect(grant(180)).rejects.toThrow(/at most 120 more minutes: a lab runs for at most twice its time limit of 2h/);
    expect(await expiresAtOf(lab.id)).toBe(before);
    expect((await requestsOf(lab.id))[0].status).toBe('pending');
    expect(await outcomeOf(grant(0))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await outcomeOf(grant(120))).toEqual({ code: 'ok' });
    expect(await expiresAtOf(lab.id)).toBe(lab.startedAt!.getTime() + 4 * HOUR);
  });

  it('declines: the request is answered, expiresAt unchanged, and the student sees it', async () => {
    const lab = await runningLab();
    const request = await ask(lab.id);
    const before = await expiresAtOf(lab.id);
    expect(await outcomeOf(t.h.callerFor('student').timeRequests.decline({ id: request.id }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'id' });
    expect(await t.h.callerFor('teacher').timeRequests.decline({ id: request.id })).toMatchObject({ status: 'declined' });
    expect(await expiresAtOf(lab.id)).toBe(before);
    expect((await t.h.callerFor('student').instances.get({ id: lab.id })).timeRequest).toMatchObject({ status: 'declined' });
    expect(await outcomeOf(t.h.callerFor('teacher').timeRequests.decline({ id: '00000000-0000-4000-8000-000000000000' }))).toEqual({ code: 'NOT_FOUND', appCode: 'NOT_FOUND', field: 'id' });
  });
});
