/**
 * A student's raised hand on their running lab: `raise` tells the course's teachers (teacher.notifications,
 * linking to the student's live terminal in the shadow view, or to Live sessions when none is open), `lower`
 * takes it down (the student, or a teacher once they helped), `get` says whether it is up. At most one hand
 * is up per lab: raised under the instance's row lock, a second raise is HAND_ALREADY_RAISED and adds
 * nothing. Mutations are audited by the audit middleware, refusals included.
 */
import { z } from 'zod';
import type { Prisma, RaisedHand } from '../../generated/prisma/client';
import { isLive } from '../live-sessions';
import { courseMembers } from '../../notifications/recipients';
import { publishNotification } from '../../notifications/notification-message';
import { requireInstance, type InstanceWithDeployment } from '../access';
import { fail } from '../errors';
import { authedProcedure, router, type AuthedContext } from '../init';
import { terminalSessionId } from '../terminal-ticket';
import { iso } from '../views';

const input = z.object({ instanceId: z.uuid() });
const withRaiser = { raisedBy: { select: { id: true, displayName: true } } } as const;
type HandWithRaiser = RaisedHand & { raisedBy: { id: string; displayName: string } };

function handView(h: HandWithRaiser) {
  return { id: h.id, instanceId: h.instanceId, raisedAt: iso(h.raisedAt), raisedBy: h.raisedBy, loweredAt: iso(h.loweredAt) };
}

function raisedHand(tx: Prisma.TransactionClient, instanceId: string) {
  return tx.raisedHand.findFirst({ where: { instanceId, loweredAt: null }, include: withRaiser });
}

/** Where a teacher helps: the student's live terminal in the shadow view, else the Live sessions page. */
async function helpLink(ctx: AuthedContext, instance: InstanceWithDeployment): Promise<string> {
  const sessionId = terminalSessionId(instance, ctx.caller.id);
  const session = await ctx.services.sessionStore.get(sessionId);
  return session && isLive(session) ? `/shadow/${sessionId}` : '/sessions';
}

async function tellTeachers(ctx: AuthedContext, instance: InstanceWithDeployment, hand: RaisedHand): Promise<void> {
  const { prisma } = ctx.services.db;
  const courseId = instance.deployment.courseId;
  if (!courseId) return;
  const [course, lab] = await Promise.all([
    prisma.course.findUniqueOrThrow({ where: { id: courseId }, select: { code: true } }),
    prisma.labConfig.findUniqueOrThrow({ where: { id: instance.deployment.labConfigId }, select: { title: true } }),
  ]);
  await publishNotification(ctx.services.queue, 'teacher', {
    key: `hand:${hand.id}`,
    kind: 'hand_raised',
    userIds: await courseMembers(prisma, courseId, 'teacher'),
    title: `${ctx.caller.displayName || ctx.caller.username} raised a hand`,
    body: `${course.code}, lab “${lab.title}”.`,
    link: await helpLink(ctx, instance),
  });
}

export const handsRouter = router({
  /** The lab's student raises a hand while the lab runs; the course's teachers are told. */
  raise: authedProcedure.input(input).mutation(async ({ ctx, input }) => {
    const { instance, relation } = await requireInstance(ctx, input.instanceId, 'oversee', 'instanceId');
    if (relation !== 'user') fail('FORBIDDEN', "only the lab's student may raise a hand", { field: 'instanceId' });
    const { prisma } = ctx.services.db;
    const hand = await prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM lab_instances WHERE id = ${instance.id}::uuid FOR UPDATE`;
      const current = await tx.labInstance.findUniqueOrThrow({ where: { id: instance.id }, select: { status: true } });
      if (current.status !== 'running') fail('CONFLICT', `the lab is ${current.status}; a hand is raised only while it runs`, { field: 'instanceId' });
      if (await raisedHand(tx, instance.id)) fail('HAND_ALREADY_RAISED', 'your hand is already up; your teacher has been told', { field: 'instanceId' });
      return tx.raisedHand.create({ data: { instanceId: instance.id, raisedById: ctx.caller.id }, include: withRaiser });
    });
    try {
      await tellTeachers(ctx, instance, hand);
    } catch (e) {
      // Nobody would come: take the hand down again, so the student can raise it once the queue is back.
      await prisma.raisedHand.delete({ where: { id: hand.id } });
      throw e;
    }
    return handView(hand);
  }),

  /** Takes the lab's hand down (its student, a teacher of the course, an admin); none up: CONFLICT. */
  lower: authedProcedure.input(input).mutation(async ({ ctx, input }) => {
    const { instance } = await requireInstance(ctx, input.instanceId, 'oversee', 'instanceId');
    const { count } = await ctx.services.db.prisma.raisedHand.updateMany({
      where: { instanceId: instance.id, loweredAt: null },
      data: { loweredAt: new Date(), loweredById: ctx.caller.id },
    });
    if (count === 0) fail('CONFLICT', 'no hand is up on this lab', { field: 'instanceId' });
    return { instanceId: instance.id, hand: null };
  }),

  /** `{hand}`: the lab's hand while it is up, else null (its students, course teachers, admins). */
  get: authedProcedure.input(input).query(async ({ ctx, input }) => {
    const { instance } = await requireInstance(ctx, input.instanceId, 'oversee', 'instanceId');
    const hand = await raisedHand(ctx.services.db.prisma, instance.id);
    return { instanceId: instance.id, hand: hand ? handView(hand) : null };
  }),
});
