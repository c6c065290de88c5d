/**
 * THE permission table: every tRPC procedure x every kind of caller, against the real router and a real
 * Postgres database. "teacher" teaches the course the records belong to, "otherTeacher" teaches another
 * course; "student" owns the lab instance, "otherStudent" is in the same course but owns nothing. The
 * lab belongs to the course. Allowed cells must succeed; the others must fail with FORBIDDEN
 * (UNAUTHORIZED when anonymous), and a refused mutation must leave a `denied` audit entry naming the
 * caller. A listing must show the world's record to exactly the callers in its `seenBy`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import { parseSshPublicKey } from '@autolabs/server/ssh/ssh-public-key';
import { appRouter } from '@autolabs/server/trpc/root';
import { handleOf } from '@autolabs/server/runtime/runtime-handle';
import { CAST, LAB_YAML, PASSWORD, createHarness, seedWorld, uniq, type CastMember, type Harness, type World } from './api-harness';
import { generateEd25519OpenSsh } from '@autolabs/common/platform/ed25519-openssh';

type Input = (w: World, h: Harness, who: CastMember) => Promise<unknown> | unknown;
interface Row {
  input?: Input;
  allowed: CastMember[];
  mutation?: boolean;
  /** For listings: whether the result holds the world's record, and which allowed callers must find it there. */
  listed?: { has: (result: unknown, w: World) => boolean; seenBy: CastMember[] };
}

const EVERYONE: CastMember[] = ['admin', 'teacher', 'otherTeacher', 'student', 'otherStudent', 'viewer'];
const STAFF: CastMember[] = ['admin', 'teacher', 'otherTeacher'];
const COURSE_STAFF: CastMember[] = ['admin', 'teacher'];
const COURSE_MEMBERS: CastMember[] = ['admin', 'teacher', 'student', 'otherStudent'];
const INSTANCE_OVERSEERS: CastMember[] = ['admin', 'teacher', 'student'];

/** The course a caller would use the world's lab in: their own (otherTeacher's is the other course). */
const homeCourse = (w: World, who: CastMember) => (who === 'otherTeacher' ? w.otherCourse.id : w.course.id);
/** A listing whose items have ids: does it hold the record `pick` names? */
const listing = (pick: (w: World) => string, seenBy: CastMember[]): Row['listed'] => ({
  has: (result, w) => (result as { id: string }[]).some((item) => item.id === pick(w)),
  seenBy,
});

const TABLE: Record<string, Row> = {
  'me.get': { allowed: EVERYONE },
  // Each signed-in caller changes their own password once (nothing below signs in with it).
  'me.changePassword': { input: () => ({ currentPassword: PASSWORD, newPassword: 'a brand new password' }), allowed: EVERYONE, mutation: true },

  'courses.list': { allowed: EVERYONE, listed: listing((w) => w.course.id, COURSE_MEMBERS) },
  'courses.get': { input: (w) => ({ id: w.course.id }), allowed: COURSE_MEMBERS },
  'courses.create': { input: () => ({ code: uniq('NEW'), title: 'New course' }), allowed: STAFF, mutation: true },
  'courses.update': { input: (w) => ({ id: w.course.id, title: 'Renamed' }), allowed: COURSE_STAFF, mutation: true },
  'courses.delete': { input: async (w) => ({ id: (await w.makeCourse()).id }), allowed: COURSE_STAFF, mutation: true },
  'courses.members': { input: (w) => ({ courseId: w.course.id }), allowed: COURSE_STAFF },
  'courses.addMember': { input: async (w, h) => ({ courseId: (await w.makeCourse()).id, userId: h.users.viewer.id, role: 'student' }), allowed: COURSE_STAFF, mutation: true },
  'courses.removeMember': { input: async (w, h) => ({ courseId: (await w.makeCourse()).id, userId: h.users.otherStudent.id }), allowed: COURSE_STAFF, mutation: true },

  'groups.list': { input: (w) => ({ courseId: w.course.id }), allowed: COURSE_STAFF },
  'groups.create': { input: (w) => ({ courseId: w.course.id, name: uniq('group') }), allowed: COURSE_STAFF, mutation: true },
  'groups.rename': { input: async (w) => ({ id: (await w.makeGroup()).id, name: uniq('renamed') }), allowed: COURSE_STAFF, mutation: true },
  'groups.delete': { input: async (w) => ({ id: (await w.makeGroup()).id }), allowed: COURSE_STAFF, mutation: true },
  'groups.addMember': { input: async (w, h) => ({ groupId: (await w.makeGroup()).id, userId: h.users.otherStudent.id }), allowed: COURSE_STAFF, mutation: true },
  'groups.removeMember': { input: async (w, h) => ({ groupId: (await w.makeGroup()).id, userId: h.users.student.id }), allowed: COURSE_STAFF, mutation: true },

  'assignments.list': { input: (w) => ({ courseId: w.course.id }), allowed: COURSE_MEMBERS },
  'assignments.mine': { allowed: EVERYONE, listed: listing((w) => w.assignment.id, ['student', 'otherStudent']) },
  'assignments.create': {
    input: (w, _h, who) => ({ courseId: homeCourse(w, who), labConfigId: w.lab.id, title: 'Another lab' }),
    allowed: COURSE_STAFF,
    mutation: true,
  },
  'assignments.delete': {
    input: async (w, h) => ({ id: (await h.services.db.prisma.assignment.create({ data: { courseId: w.course.id, labConfigId: w.lab.id, title: 'Doomed' } })).id }),
    allowed: COURSE_STAFF,
    mutation: true,
  },

  'labs.validate': { input: () => ({ yaml: LAB_YAML }), allowed: STAFF },
  'labs.upload': { input: (w, _h, who) => ({ yaml: LAB_YAML, courseId: homeCourse(w, who) }), allowed: STAFF, mutation: true },
  'labs.list': { input: () => ({}), allowed: STAFF, listed: listing((w) => w.lab.id, COURSE_STAFF) },
  'labs.get': { input: (w) => ({ id: w.lab.id }), allowed: COURSE_STAFF },
  'labs.versions': { input: (w) => ({ id: w.lab.id }), allowed: COURSE_STAFF },

  'deployments.start': {
    input: (w, h, who) => ({ labConfigId: w.lab.id, courseId: homeCourse(w, who), studentIds: [h.users.otherStudent.id] }),
    allowed: COURSE_STAFF,
    mutation: true,
  },
  'deployments.stop': { input: async (w) => ({ id: (await w.makeInstance()).deploymentId }), allowed: COURSE_STAFF, mutation: true },
  'deployments.status': { input: (w) => ({ id: w.deployment.id }), allowed: COURSE_STAFF },
  'deployments.list': { input: () => ({}), allowed: STAFF, listed: listing((w) => w.deployment.id, COURSE_STAFF) },

  'instances.mine': { allowed: EVERYONE, listed: listing((w) => w.instance.id, ['student']) },
  'instances.get': { input: (w) => ({ id: w.instance.id }), allowed: INSTANCE_OVERSEERS },
  'instances.start': { input: (w) => ({ assignmentId: w.assignment.id }), allowed: ['admin', 'student', 'otherStudent'], mutation: true },
  'instances.stop': { input: async (w) => ({ id: (await w.makeInstance()).id }), allowed: INSTANCE_OVERSEERS, mutation: true },
  'instances.check': { input: (w) => ({ id: w.instance.id }), allowed: INSTANCE_OVERSEERS, mutation: true },
  'instances.archived': { allowed: EVERYONE },
  'instances.restore': { input: restoreInput, allowed: COURSE_STAFF, mutation: true },

  'sessions.live': { allowed: EVERYONE, listed: listing((w) => w.session.id, INSTANCE_OVERSEERS) },
  'sessions.terminalTicket': { input: (w) => ({ instanceId: w.instance.id }), allowed: ['student'], mutation: true },
  'sessions.shadowTicket': { input: (w) => ({ sessionId: w.session.id }), allowed: COURSE_STAFF, mutation: true },

  'sshKeys.mine': { allowed: ['admin', 'teacher', 'otherTeacher', 'student', 'otherStudent'] },
  'sshKeys.add': { input: () => ({ name: 'key', publicKey: freshPublicKey() }), allowed: ['admin', 'teacher', 'otherTeacher', 'student', 'otherStudent'], mutation: true },
  'sshKeys.remove': {
    input: async (_w, h, who) => {
      const userId = who === 'anonymous' ? h.users.student.id : h.users[who].id;
      const key = parseSshPublicKey(freshPublicKey());
      const row = await h.services.db.prisma.sshPublicKey.create({ data: { userId, name: 'k', keyType: key.type, publicKey: key.line, fingerprint: key.fingerprint } });
      return { id: row.id };
    },
    allowed: ['admin', 'teacher', 'otherTeacher', 'student', 'otherStudent'],
    mutation: true,
  },
  'sshKeys.access': { allowed: ['admin', 'teacher', 'otherTeacher', 'student', 'otherStudent'] },
  'sshPasswords.reveal': { input: (w) => ({ instanceId: w.instance.id }), allowed: ['student'], mutation: true },

  'timeRequests.request': { input: async (w) => ({ instanceId: (await w.makeInstance()).id }), allowed: ['student'], mutation: true },
  'timeRequests.grant': { input: async (w, h) => ({ id: await pendingTimeRequest(w, h), minutes: 15 }), allowed: COURSE_STAFF, mutation: true },
  'timeRequests.decline': { input: async (w, h) => ({ id: await pendingTimeRequest(w, h) }), allowed: COURSE_STAFF, mutation: true },

  'hands.raise': { input: async (w) => ({ instanceId: (await w.makeInstance()).id }), allowed: ['student'], mutation: true },
  'hands.lower': { input: async (w, h) => ({ instanceId: await raisedHand(w, h) }), allowed: INSTANCE_OVERSEERS, mutation: true },
  'hands.get': { input: (w) => ({ instanceId: w.instance.id }), allowed: INSTANCE_OVERSEERS },

  // Everyone reads and marks their own only: the student's notification is listed for the student alone,
  // and marking it read is refused to anyone else.
  'notifications.mine': { input: () => ({}), allowed: EVERYONE, listed: { has: (r) => hasStudentNotification(r), seenBy: ['student'] } },
  'notifications.markRead': { input: async (_w, h) => ({ ids: [await studentNotification(h)] }), allowed: ['student'], mutation: true },
  'notifications.markAllRead': { allowed: EVERYONE, mutation: true },

  'progress.get': { input: (w) => ({ id: w.deployment.id }), allowed: COURSE_STAFF },
  'progress.csv': { input: (w) => ({ id: w.deployment.id }), allowed: COURSE_STAFF },
  'progress.runChecks': { input: async (w) => ({ id: (await w.makeInstance()).deploymentId }), allowed: COURSE_STAFF, mutation: true },
  'wall.get': { input: (w) => ({ id: w.deployment.id }), allowed: COURSE_STAFF },

  'recordings.list': { input: () => ({}), allowed: EVERYONE, listed: listing((w) => w.recording.id, INSTANCE_OVERSEERS) },
  'recordings.get': { input: (w) => ({ id: w.recording.id }), allowed: INSTANCE_OVERSEERS },

  'admin.users': { input: () => ({}), allowed: ['admin'] },
  'admin.createUser': { input: () => ({ username: uniq('user'), displayName: 'New', password: 'a long enough password', role: 'student' }), allowed: ['admin'], mutation: true },
  'admin.setRole': {
    input: async (_w, h) => ({ userId: (await h.services.db.prisma.user.create({ data: { username: uniq('u'), displayName: 'U' } })).id, role: 'teacher' }),
    allowed: ['admin'],
    mutation: true,
  },
  'admin.quotas': { allowed: ['admin'] },
  'admin.setQuota': { input: (w) => ({ scope: 'course', courseId: w.otherCourse.id, maxInstances: 50, maxCpuMillis: 100_000, maxMemoryMi: 100_000 }), allowed: ['admin'], mutation: true },
  'admin.audit': { input: () => ({ limit: 5 }), allowed: ['admin'] },
  'admin.auditActions': { allowed: ['admin'] },
  'admin.liveSessions': { allowed: ['admin'] },
  'admin.killSession': { input: (w) => ({ sessionId: w.session.id }), allowed: ['admin'], mutation: true },
  'admin.disableUser': { input: async (_w, h) => ({ userId: (await freshStudent(h)).id }), allowed: ['admin'], mutation: true },
  'admin.enableUser': { input: async (_w, h) => ({ userId: (await freshStudent(h, { disabled: true })).id }), allowed: ['admin'], mutation: true },
  'admin.resetPassword': { input: async (_w, h) => ({ userId: (await freshStudent(h)).id }), allowed: ['admin'], mutation: true },
};

/** A pending request for more time on a fresh running instance of the student's; its id. */
async function pendingTimeRequest(w: World, h: Harness): Promise<string> {
  const instance = await w.makeInstance();
  return (await h.services.db.prisma.labTimeRequest.create({ data: { instanceId: instance.id, requestedById: h.users.student.id } })).id;
}

/** A fresh running instance of the student's with its hand up; its id. */
async function raisedHand(w: World, h: Harness): Promise<string> {
  const instance = await w.makeInstance();
  await h.services.db.prisma.raisedHand.create({ data: { instanceId: instance.id, raisedById: h.users.student.id } });
  return instance.id;
}

/** The ids of notifications addressed to the student (one made per call). */
const studentNotifications = new Set<string>();
async function studentNotification(h: Harness): Promise<string> {
  const row = await h.services.db.prisma.notification.create({
    data: { userId: h.users.student.id, kind: 'lab_ready', key: uniq('lab-ready'), title: 'Your lab is ready', link: '/my-labs' },
  });
  studentNotifications.add(row.id);
  return row.id;
}
function hasStudentNotification(result: unknown): boolean {
  return (result as { items: { id: string }[] }).items.some((n) => studentNotifications.has(n.id));
}

/** A built-in student account of its own, so disabling or resetting it touches nobody else. */
function freshStudent(h: Harness, data: { disabled?: boolean } = {}) {
  return h.services.db.prisma.user.create({ data: { username: uniq('fresh'), displayName: 'Fresh Student', role: 'student', passwordHash: 'scrypt$1$1$1$AA==$AA==', ...data } });
}

/** An archived instance of the student's (an empty tar.gz with its digest) and a stopped one to restore it into. */
async function restoreInput(w: World, h: Harness): Promise<{ id: string; fromId: string }> {
  const prisma = h.services.db.prisma;
  const bucket = h.services.env.S3_BUCKET_VOLUMES;
  const [from, into] = [await w.makeInstance(), await w.makeInstance()];
  const archive = await tarGz({ 'restored.txt': 'from the archive\n' });
  const archiveKey = `${from.deploymentId}/${from.id}.tar.gz`;
  await h.services.objectStore.ensureBucket(bucket);
  await h.services.objectStore.put(bucket, archiveKey, archive);
  const archiveSha256 = createHash('sha256').update(archive).digest('hex');
  await prisma.labInstance.update({ where: { id: from.id }, data: { status: 'archived', archiveKey, archiveSha256, archiveSize: BigInt(archive.length) } });
  await h.services.runtime.stop(handleOf(into));
  await prisma.labInstance.update({ where: { id: into.id }, data: { status: 'stopped' } });
  return { id: into.id, fromId: from.id };
}

/** A tar.gz of `files` (name -> text), as the archive step makes one. */
async function tarGz(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'autolabs-tar-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const chunks: Buffer[] = [];
    for await (const chunk of create({ cwd: dir, gzip: true, portable: true }, ['.'])) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new ed25519 public key line each call (keys are unique across accounts). */
function freshPublicKey(): string {
  const pair = generateEd25519OpenSsh();
  return pair.public;
}

type AnyProcedure = (input?: unknown) => Promise<unknown>;

function procedureOf(caller: unknown, path: string): AnyProcedure {
  const [ns, name] = path.split('.');
  return (caller as Record<string, Record<string, AnyProcedure>>)[ns][name];
}

let h: Harness;
let w: World;

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  await studentNotification(h);
});

afterAll(async () => {
  await h?.close();
});

describe('permission table', () => {
  it('covers every procedure of the router', () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  it.each(Object.entries(TABLE))('%s: allowed callers succeed, everyone else is refused', async (path, row) => {
    for (const who of CAST) {
      const input = row.input ? await row.input(w, h, who) : undefined;
      const call = procedureOf(h.callerFor(who), path);
      let result: unknown;
      const outcome = await call(input).then(
        (r) => ((result = r), 'ok'),
        (e: unknown) => (e instanceof TRPCError ? e.code : `unexpected ${String(e)}`),
      );
      const expected = row.allowed.includes(who) ? 'ok' : who === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN';
      expect(`${who}: ${outcome}`).toBe(`${who}: ${expected}`);
      if (row.listed && outcome === 'ok') {
        expect(`${who} sees it: ${row.listed.has(result, w)}`).toBe(`${who} sees it: ${row.listed.seenBy.includes(who)}`);
      }

      if (row.mutation && expected !== 'ok') {
        const entry = await h.services.db.prisma.auditLog.findFirst({ orderBy: { id: 'desc' } });
        expect({ who, action: entry?.action, outcome: entry?.outcome, actorId: entry?.actorId }).toEqual({
          who,
          action: path,
          outcome: 'denied',
          actorId: who === 'anonymous' ? null : h.users[who].id,
        });
      }
    }
  });
});
