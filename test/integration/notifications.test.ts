/**
 * Notifications (issue 10 point 5) through the API and the workers on Postgres, RabbitMQ and Redis: the
 * workers publish on student.notifications / teacher.notifications, the API's consumer stores them, and
 * each user reads their own with notifications.mine. A class start where Sam's lab cannot start tells his
 * classmates their labs are ready and the teacher "2 of 3 ready" with Sam's reason; the periodic expiry
 * warning (its clock moved, not waited for) tells a student once; a raised hand tells the course's teacher,
 * twice raised is refused. Nobody else sees any of it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { AppError } from '@autolabs/common/errors/app-error';
import type { User } from '@autolabs/server/generated/prisma/client';
import type { Disposable } from '@autolabs/common/disposable';
import { silentLogger } from '@autolabs/server/infra/database/testing/silent-logger';
import type { SessionRecord } from '@autolabs/common/session-store/session-store';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { LabConfigCache } from '@autolabs/server/labs/lab-config-cache';
import type { LabRuntime } from '@autolabs/server/runtime/lab-runtime';
import { storeNotification } from '@autolabs/server/notifications/store-notifications';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { startWorkers } from '@autolabs/server/workers/index';
import { EXPIRY_WARNING_MS, warnExpiringInstances } from '@autolabs/server/workers/periodic/expiry-warning';
import { CAST, LAB_YAML, createHarness, outcomeOf, seedWorld, type Harness, type World } from './api-harness';

const SAMS_REASON = 'image debian:12-slim could not be pulled: the registry did not answer';
const MINUTE = 60_000;

let h: Harness;
let w: World;
let app: FastifyInstance;
let workers: Disposable;
let sam: User;
/** What the workers' expiry warning takes for now: the real time plus this. */
let clockOffsetMs = 0;

/** The real runtime, except that Sam's labs never start (as when their image cannot be pulled). */
function samCannotStart(runtime: LabRuntime): LabRuntime {
  return Object.assign(Object.create(runtime) as LabRuntime, {
    async start(req: Parameters<LabRuntime['start']>[0], onProgress?: Parameters<LabRuntime['start']>[1]) {
      if (req.ownerKey === 'u-sam') throw new AppError('RUNTIME_UNAVAILABLE', SAMS_REASON);
      return runtime.start(req, onProgress);
    },
  });
}

beforeAll(async () => {
  h = await createHarness({ backing: 'redis-rabbitmq' });
  w = await seedWorld(h);
  sam = await h.services.db.prisma.user.create({ data: { username: 'sam', displayName: 'Sam', role: 'student' } });
  // The API process: its consumer stores what the queues carry.
  app = await buildApp(h.services);
  // maxAttempts 2: Sam's start is tried twice, then marked failed with its reason.
  workers = await startWorkers(
    { ...h.services, runtime: samCannotStart(h.services.runtime) },
    { log: silentLogger(), maxAttempts: 2, prefetch: 1, periodicIntervalMs: 200, now: () => new Date(Date.now() + clockOffsetMs) },
  );
}, 60_000);

afterAll(async () => {
  await workers?.dispose();
  await app?.close();
  await h?.close();
});

const mine = (who: (typeof CAST)[number] | User) => (typeof who === 'string' ? h.callerFor(who) : h.callerAs(who)).notifications.mine({ limit: 100 });
const kindsOf = async (who: (typeof CAST)[number] | User) => (await mine(who)).items.map((n) => n.kind).sort();
const everyone = () => [...CAST.filter((c) => c !== 'anonymous'), sam] as const;

describe('notifications through the API and the RabbitMQ workers', () => {
  let course: Awaited<ReturnType<World['makeCourse']>>;
  let instances: { id: string; ownerUserId: string | null }[];
  const instanceOf = (user: User) => instances.find((i) => i.ownerUserId === user.id)!.id;

  it("a class start tells each student whose lab runs that it is ready, and the teacher '2 of 3 ready' with Sam's reason", async () => {
    course = await w.makeCourse();
    await h.services.db.prisma.courseMember.create({ data: { courseId: course.id, userId: sam.id, role: 'student' } });
    const lab = await storeLab(h.services, LAB_YAML.replace('name: api-test-lab', 'name: notify-lab').replace('title: API test lab', 'title: Notify lab'), {
      createdById: h.users.teacher.id,
      courseId: course.id,
    });
    const started = await h.callerFor('teacher').deployments.start({ labConfigId: lab.id, courseId: course.id });
    instances = started.instances;
    expect(instances).toHaveLength(3);

    await waitFor('the teacher told the class start finished', async () => (await kindsOf('teacher')).includes('class_started'), 60_000);
    const report = (await mine('teacher')).items.find((n) => n.kind === 'class_started')!;
    expect(report).toMatchObject({
      title: `Class start of “Notify lab” for ${course.code} finished: 2 of 3 ready`,
      body: `Sam: ${SAMS_REASON}`,
      link: `/deployments?course=${course.id}`,
      readAt: null,
    });
    for (const student of [h.users.student, h.users.otherStudent]) {
      await waitFor(`${student.username} told their lab is ready`, async () => (await kindsOf(student)).includes('lab_ready'), 30_000);
      expect((await mine(student)).items).toEqual([
        expect.objectContaining({ kind: 'lab_ready', title: 'Your lab “Notify lab” is ready', link: `/terminal/${instanceOf(student)}`, readAt: null }),
      ]);
      expect((await mine(student)).unread).toBe(1);
    }
    expect((await h.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id: instanceOf(sam) } })).status).toBe('failed');
    // Only the addressees: Sam's lab never ran, the other teacher, the admin and the viewer started nothing.
    for (const who of ['admin', 'otherTeacher', 'viewer', sam] as const) expect(await kindsOf(who)).toEqual([]);
    expect(await kindsOf('teacher')).toEqual(['class_started']);
    expect(await h.services.db.prisma.notification.count({ where: { kind: 'class_started' } })).toBe(1);
  });

  it('a class start whose lab config cannot be read fails every lab at once, and the teacher is told 0 of 2 ready with the reason for each', async () => {
    const prisma = h.services.db.prisma;
    // A lab config whose YAML is gone from the object store, started for two students as the API writes it.
    const lab = await prisma.labConfig.create({
      data: { owner: `course:${course.id}`, name: 'gone-lab', version: 1, title: 'Gone lab', objectKey: 'sha256/gone.yaml', sha256: 'gone', createdById: h.users.teacher.id, courseId: course.id },
    });
    const deployment = await prisma.labDeployment.create({
      data: { labConfigId: lab.id, courseId: course.id, mode: 'per_student', createdById: h.users.teacher.id, instances: { create: [{ ownerUserId: h.users.student.id }, { ownerUserId: sam.id }] } },
    });
    await h.services.queue.publish('lab.deploy', { deploymentId: deployment.id });
    const report = async () => (await mine('teacher')).items.find((n) => n.kind === 'class_started' && n.title.includes('Gone lab'));
    await waitFor('the failed class start reported', async () => (await report()) !== undefined, 30_000);
    const { statusReason } = await prisma.labInstance.findFirstOrThrow({ where: { deploymentId: deployment.id } });
    expect(await report()).toMatchObject({ title: `Class start of “Gone lab” for ${course.code} finished: 0 of 2 ready`, body: `Sam: ${statusReason}\nstudent: ${statusReason}` });
    for (const who of ['student', sam] as const) expect(await kindsOf(who)).not.toContain('class_started');
  });

  it('the expiry warning runs once per lab when its clock reaches ten minutes before the end, for its students only', async () => {
    const id = instanceOf(h.users.student);
    const { expiresAt } = await h.services.db.prisma.labInstance.findUniqueOrThrow({ where: { id } });
    expect(await kindsOf('student')).toEqual(['lab_ready']);
    clockOffsetMs = expiresAt!.getTime() - 5 * MINUTE - Date.now();
    await waitFor('the student warned', async () => (await kindsOf('student')).includes('lab_expiring'), 30_000);
    const warning = (await mine('student')).items.find((n) => n.kind === 'lab_expiring')!;
    expect(warning).toMatchObject({ title: 'Your lab “Notify lab” ends in 5 minutes', link: `/terminal/${id}` });
    // Both running labs of the class end within the window (they started together): both are warned and marked.
    const running = [id, instanceOf(h.users.otherStudent)];
    const marked = async () => (await h.services.db.prisma.labInstance.findMany({ where: { id: { in: running } } })).every((i) => i.expiryWarnedFor?.getTime() === i.expiresAt?.getTime());
    await waitFor('the warnings marked on the instances', marked);
    // Another run at the same moment finds nothing left to warn about.
    const ctx = { services: h.services, log: silentLogger(), configs: new LabConfigCache(h.services.objectStore, h.services.env.S3_BUCKET_CONFIGS), maxAttempts: 2, archiveAfterMs: 0 };
    expect(await warnExpiringInstances(ctx, new Date(expiresAt!.getTime() - EXPIRY_WARNING_MS / 2))).toEqual([]);
    for (const student of [h.users.student, h.users.otherStudent]) {
      expect(await h.services.db.prisma.notification.count({ where: { userId: student.id, kind: 'lab_expiring' } })).toBe(1);
    }
    clockOffsetMs = 0;
    for (const who of ['admin', 'teacher', 'otherTeacher', 'viewer', sam] as const) expect(await kindsOf(who)).not.toContain('lab_expiring');
  });

  it('a lab given more time is warned again before its new end', async () => {
    const id = instanceOf(h.users.student);
    const request = await h.callerFor('student').timeRequests.request({ instanceId: id });
    const { expiresAt } = await h.callerFor('teacher').timeRequests.grant({ id: request.id, minutes: 30 });
    clockOffsetMs = Date.parse(expiresAt!) - 3 * MINUTE - Date.now();
    const warnings = async () => (await mine('student')).items.filter((n) => n.kind === 'lab_expiring');
    await waitFor('the second warning', async () => (await warnings()).length === 2, 30_000);
    expect((await warnings())[0].title).toBe('Your lab “Notify lab” ends in 3 minutes');
    clockOffsetMs = 0;
  });

  it("a raised hand tells the course's teacher, linking to the student's live terminal; raised twice it is refused and nothing is added", async () => {
    const id = instanceOf(h.users.student);
    const session: SessionRecord = {
      id: `term-${id}`, ownerId: h.users.student.id, labInstanceId: id, courseId: course.id, gatewayId: 'gw-test', state: 'live',
      clients: [], controlGrantedTo: [], recording: false, createdAt: Date.now(), lastInputAt: Date.now(), lastOutputAt: Date.now(), heartbeatAt: Date.now(),
    };
    await h.services.sessionStore.put(session);
    expect(await outcomeOf(h.callerFor('otherStudent').hands.raise({ instanceId: id }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'instanceId' });

    const hand = await h.callerFor('student').hands.raise({ instanceId: id });
    expect(hand).toMatchObject({ instanceId: id, raisedBy: { id: h.users.student.id }, loweredAt: null });
    expect(await outcomeOf(h.callerFor('student').hands.raise({ instanceId: id }))).toEqual({ code: 'CONFLICT', appCode: 'HAND_ALREADY_RAISED', field: 'instanceId' });
    expect(await h.services.db.prisma.raisedHand.count({ where: { instanceId: id } })).toBe(1);

    await waitFor('the teacher told of the hand', async () => (await kindsOf('teacher')).includes('hand_raised'), 30_000);
    const told = (await mine('teacher')).items.filter((n) => n.kind === 'hand_raised');
    expect(told).toEqual([expect.objectContaining({ title: 'student raised a hand', body: `${course.code}, lab “Notify lab”.`, link: `/shadow/term-${id}` })]);
    for (const who of ['admin', 'otherTeacher', 'student', 'otherStudent', 'viewer', sam] as const) expect(await kindsOf(who)).not.toContain('hand_raised');
    expect(await h.services.db.prisma.notification.count({ where: { kind: 'hand_raised' } })).toBe(1);

    // Read by its addressee only.
    expect(await outcomeOf(h.callerFor('otherTeacher').notifications.markRead({ ids: [told[0].id] }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN', field: 'ids' });
    const unread = (await mine('teacher')).unread;
    expect(await h.callerFor('teacher').notifications.markRead({ ids: [told[0].id] })).toEqual({ unread: unread - 1 });

    // Lowered, it may be raised again: a new hand and a new notification.
    expect((await h.callerFor('student').hands.get({ instanceId: id })).hand?.id).toBe(hand.id);
    await h.callerFor('student').hands.lower({ instanceId: id });
    expect((await h.callerFor('teacher').hands.get({ instanceId: id })).hand).toBeNull();
    await h.callerFor('student').hands.raise({ instanceId: id });
    await waitFor('the second hand told', async () => (await mine('teacher')).items.filter((n) => n.kind === 'hand_raised').length === 2, 30_000);
  });

  it("a hand is raised only on a running lab", async () => {
    const failed = instanceOf(sam);
    expect(await outcomeOf(h.callerAs(sam).hands.raise({ instanceId: failed }))).toEqual({ code: 'CONFLICT', appCode: 'CONFLICT', field: 'instanceId' });
    expect(await h.services.db.prisma.raisedHand.count({ where: { instanceId: failed } })).toBe(0);
  });

  it('a message stored twice (a redelivery, two workers racing) makes one row per addressee; an account gone since is left out', async () => {
    const gone = await h.services.db.prisma.user.create({ data: { username: 'gone', displayName: 'Gone' } });
    await h.services.db.prisma.user.delete({ where: { id: gone.id } });
    const message = { key: 'test:twice', kind: 'lab_ready' as const, userIds: [h.users.otherStudent.id, gone.id], title: 'Twice', body: '', link: null };
    expect(await storeNotification(h.services.db.prisma, message)).toBe(1);
    expect(await storeNotification(h.services.db.prisma, message)).toBe(0);
    expect(await h.services.db.prisma.notification.count({ where: { key: 'test:twice' } })).toBe(1);
  });

  it('nobody reads anything not addressed to them', async () => {
    for (const who of everyone()) {
      const user = typeof who === 'string' ? h.users[who] : who;
      const theirs = await h.services.db.prisma.notification.findMany({ where: { userId: user.id }, select: { id: true } });
      expect((await mine(who)).items.map((n) => n.id).sort()).toEqual(theirs.map((n) => n.id).sort());
    }
  });
});
