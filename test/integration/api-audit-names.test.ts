/**
 * The audit trail as an admin reads it (issue 10): names for actor, target and course instead of ids, and
 * filters by person and by course. Real Postgres.
 */
import { describe, expect, it } from 'vitest';
import { useSeededHarness } from './api-harness';

const t = useSeededHarness();

describe('admin.audit with names', () => {
  it("names the actor, the target (a student's lab) and its course", async () => {
    const { h, w } = t;
    const instance = await w.makeInstance();
    await h.callerFor('teacher').instances.stop({ id: instance.id });
    const { entries } = await h.callerFor('admin').admin.audit({ action: 'instances.stop', targetId: instance.id, limit: 5 });
    expect(entries[0]).toMatchObject({
      actor: { id: h.users.teacher.id, username: 'teacher', displayName: 'teacher' },
      target: { id: instance.id, label: 'student’s API test lab' },
      course: { id: w.course.id, code: w.course.code },
    });
  });

  it('filters by person (as actor or as target) and by course', async () => {
    const { h, w } = t;
    const admin = h.callerFor('admin');
    await h.callerFor('teacher').courses.update({ id: w.course.id, title: 'Renamed for the audit' });
    await h.callerFor('otherTeacher').courses.update({ id: w.otherCourse.id, title: 'Other renamed' });
    await admin.admin.setRole({ userId: h.users.viewer.id, role: 'viewer' });

    const byTeacher = await admin.admin.audit({ personId: h.users.teacher.id, limit: 200 });
    expect(byTeacher.entries.length).toBeGreaterThan(0);
    expect(byTeacher.entries.every((e) => e.actor?.id === h.users.teacher.id || e.targetId === h.users.teacher.id)).toBe(true);
    const aboutViewer = await admin.admin.audit({ personId: h.users.viewer.id, action: 'admin.setRole', limit: 200 });
    expect(aboutViewer.entries.map((e) => [e.actor?.username, e.target?.label])).toEqual([['admin', 'viewer']]);

    const inCourse = await admin.admin.audit({ courseId: w.course.id, limit: 200 });
    expect(inCourse.entries.map((e) => e.action)).toContain('courses.update');
    expect(inCourse.entries.every((e) => e.course?.id === w.course.id || (e.detail as { input?: { courseId?: string } }).input?.courseId === w.course.id)).toBe(true);
    expect(inCourse.entries.some((e) => e.targetId === w.otherCourse.id)).toBe(false);
    expect(await admin.admin.auditActions()).toEqual(expect.arrayContaining(['admin.setRole', 'courses.update', 'instances.stop']));
  });
});
