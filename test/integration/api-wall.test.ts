/**
 * The class wall's data through the real router and Postgres (issue 10 point 3): a course's teacher gets a
 * card per student (lab state, live terminal and last activity from the session store, checks passed, a
 * raised hand) and a wall ticket naming exactly the terminal sessions of the running labs, signed for the
 * gateway's wall and nothing else. Who may call it at all is in api-permissions.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRecord } from '@autolabs/common/session-store/session-store.contract';
import { verifyWallTicket } from '@autolabs/common/tickets/wall-ticket';
import { verifyTicket } from '@autolabs/common/tickets/ticket';
import { storeLab } from '@autolabs/server/trpc/lab-store';
import { createCaller } from '@autolabs/server/trpc/root';
import type { User } from '@autolabs/server/generated/prisma/client';
import { courseStudent, createHarness, seedWorld, type Harness, type World } from './api-harness';

const LAB = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: wall-lab
  title: Wall lab
spec:
  containers:
    - name: shell
      image: debian:12-slim
      terminal: true
  checks:
    - name: one
      command: ['true']
    - name: two
      command: ['true']
`;

let h: Harness;
let w: World;
let labId: string;

beforeAll(async () => {
  h = await createHarness();
  w = await seedWorld(h);
  labId = (await storeLab(h.services, LAB, { createdById: h.users.teacher.id, courseId: w.course.id })).id;
});
afterAll(async () => {
  await h?.close();
});

const prisma = () => h.services.db.prisma;

const student = (displayName: string) => courseStudent(h, w.course.id, displayName);

describe('wall.get', () => {
  it('gives each student a card and a wall ticket for the running labs’ terminals only', async () => {
    const d = await prisma().labDeployment.create({ data: { labConfigId: labId, courseId: w.course.id, mode: 'per_student', status: 'running', createdById: h.users.teacher.id } });
    const [ann, bob, cat] = [await student('Ann Wall'), await student('Bob Wall'), await student('Cat Wall')];
    const lab = (owner: User, status: 'running' | 'stopped') =>
      prisma().labInstance.create({ data: { id: randomUUID(), deploymentId: d.id, ownerUserId: owner.id, status, startedAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000) } });
    const annLab = await lab(ann, 'running');
    const bobLab = await lab(bob, 'running');
    await lab(cat, 'stopped');
    // Ann's terminal is live: she typed a minute ago. Bob has not opened his yet, but raised a hand.
    const typedAt = Date.now() - 60_000;
    await h.services.sessionStore.put(
      sessionRecord({ id: `term-${annLab.id}`, ownerId: ann.id, labInstanceId: annLab.id, courseId: w.course.id, lastInputAt: typedAt, heartbeatAt: Date.now() }),
    );
    await prisma().raisedHand.create({ data: { instanceId: bobLab.id, raisedById: bob.id } });
    // Ann passed one of the two checks.
    const assignment = await prisma().assignment.create({ data: { courseId: w.course.id, labConfigId: labId, title: 'Wall' } });
    const results = [
      { name: 'one', passed: true },
      { name: 'two', passed: false },
    ];
    await prisma().submission.create({ data: { assignmentId: assignment.id, instanceId: annLab.id, userId: ann.id, results } });

    const wall = await createCaller(h.contextFor('teacher')).wall.get({ id: d.id });
    expect(wall).toMatchObject({ id: d.id, lab: { name: 'wall-lab', title: 'Wall lab' }, checks: 2 });
    const card = (u: User) => wall.students.find((s) => s.userId === u.id)!;
    expect(card(ann)).toMatchObject({ displayName: 'Ann Wall', instanceStatus: 'running', sessionId: `term-${annLab.id}`, live: true, lastInputAt: new Date(typedAt).toISOString(), checksPassed: 1, handRaisedAt: null });
    expect(card(bob)).toMatchObject({ instanceStatus: 'running', sessionId: `term-${bobLab.id}`, live: false, lastInputAt: null, checksPassed: 0 });
    expect(card(bob).handRaisedAt).not.toBeNull();
    expect(card(cat)).toMatchObject({ instanceStatus: 'stopped', sessionId: null, live: false });

    const ticket = await verifyWallTicket(h.services.ticketKeys.publicKey, wall.ticket);
    expect(ticket).toMatchObject({ sub: h.users.teacher.id, deploymentId: d.id });
    expect(ticket.sids.sort()).toEqual([`term-${annLab.id}`, `term-${bobLab.id}`].sort());
    // Signed for the wall only: as a terminal ticket it is refused.
    await expect(verifyTicket(h.services.ticketKeys.publicKey, wall.ticket)).rejects.toMatchObject({ code: 'TICKET_INVALID' });
  });
});
