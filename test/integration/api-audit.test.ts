/**
 * The audit trail as admins read it: entries say who asked what (input without secrets or bulk), and
 * admin.audit filters and pages through them without gaps or repeats. Real Postgres.
 */
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '@autolabs/server/trpc/errors';
import { LAB_YAML, createHarness, seedWorld, uniq, type Harness, type World } from './api-harness';

let h: Harness;
let w: World;

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
});

afterAll(async () => {
  await h?.close();
});

describe('audit entries', () => {
  it('record the input of a call, with passwords redacted and long text reduced to its length', async () => {
    const secret = 'a very secret initial password';
    const username = uniq('new');
    await h.callerFor('admin').admin.createUser({ username, displayName: 'New', password: secret, role: 'student' });
    const yaml = `${LAB_YAML}# ${'a comment that makes the file long '.repeat(10)}\n`;
    await h.callerFor('teacher').labs.upload({ yaml });

    const prisma = h.services.db.prisma;
    const created = await prisma.auditLog.findFirstOrThrow({ where: { action: 'admin.createUser' }, orderBy: { id: 'desc' } });
    expect(created).toMatchObject({ actorId: h.users.admin.id, actorRole: 'admin', outcome: 'success', detail: { input: { username, role: 'student', password: '[redacted]' } } });
    const uploaded = await prisma.auditLog.findFirstOrThrow({ where: { action: 'labs.upload' }, orderBy: { id: 'desc' } });
    expect(uploaded.detail).toEqual({ input: { yaml: `[${yaml.length} chars]` } });
    const everything = JSON.stringify(await prisma.auditLog.findMany({ select: { detail: true } }));
    expect(everything).not.toContain(secret);
  });

  it('a refused call records the error code and the field', async () => {
    await expect(h.callerFor('student').courses.update({ id: w.course.id, title: 'Mine now' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const entry = await h.services.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'courses.update' }, orderBy: { id: 'desc' } });
    expect(entry).toMatchObject({
      actorId: h.users.student.id,
      outcome: 'denied',
      targetType: 'courses',
      targetId: w.course.id,
      requestId: 'test-student',
      detail: { code: 'FORBIDDEN', field: 'id', input: { id: w.course.id, title: 'Mine now' } },
    });
  });
});

describe('admin.audit', () => {
  it('pages newest first through every entry exactly once', async () => {
    for (let i = 0; i < 7; i++) await h.callerFor('teacher').groups.create({ courseId: w.course.id, name: uniq('paged') });
    const admin = h.callerFor('admin');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.admin.audit({ action: 'groups.create', limit: 3, cursor });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const all = await h.services.db.prisma.auditLog.findMany({ where: { action: 'groups.create' }, orderBy: { id: 'desc' } });
    expect(seen).toEqual(all.map((e) => e.id.toString()));
    expect(seen.length).toBeGreaterThanOrEqual(7);
  });

  it('filters by actor, target and time', async () => {
    const admin = h.callerFor('admin');
    const byStudent = await admin.admin.audit({ actorId: h.users.student.id, limit: 200 });
    expect(byStudent.entries.length).toBeGreaterThan(0);
    expect(new Set(byStudent.entries.map((e) => e.actorId))).toEqual(new Set([h.users.student.id]));
    const byTarget = await admin.admin.audit({ targetId: w.course.id, limit: 200 });
    expect(byTarget.entries.every((e) => e.targetId === w.course.id)).toBe(true);
    const future = await admin.admin.audit({ from: new Date(Date.now() + 3600_000).toISOString(), limit: 200 });
    expect(future.entries).toEqual([]);
  });

  it('rejects a malformed cursor as BAD_INPUT on the cursor field', async () => {
    const error = await h.callerFor('admin').admin.audit({ cursor: 'drop table', limit: 5 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    expect(describeError(error as TRPCError).data).toEqual({ appCode: 'BAD_INPUT', field: 'cursor' });
  });
});
