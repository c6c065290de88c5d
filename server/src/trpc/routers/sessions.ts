import { z } from 'zod';
import { mintTicket } from '@autolabs/common/tickets/ticket';
import { requireInstance, taughtCourseIds } from '../access';
import { fail } from '../errors';
import { authedProcedure, router, type AuthedContext } from '../init';
import { describeSessions, isLive } from '../live-sessions';
import { issueOwnerTicket } from '../terminal-ticket';

function signingKey(ctx: AuthedContext) {
  const key = ctx.services.ticketKeys.privateKey;
  if (!key) fail('SERVICE_UNAVAILABLE', 'this server cannot issue terminal tickets (TICKET_PRIVATE_KEY is not set)');
  return key;
}

export const sessionsRouter = router({
  /**
   * Live sessions I may see (my own; for teachers, those of their courses; for admins, all), each with its
   * student, lab, course, last activity and its clients' doors (browser or ssh).
   */
  live: authedProcedure.query(async ({ ctx }) => {
    const all = (await ctx.services.sessionStore.list()).filter((r) => isLive(r));
    const taught = ctx.caller.role === 'admin' ? null : new Set(await taughtCourseIds(ctx));
    const mine = taught === null ? all : all.filter((r) => r.ownerId === ctx.caller.id || (r.courseId !== null && taught.has(r.courseId)));
    return describeSessions(ctx.services.db.prisma, mine);
  }),

  /** Opens (or re-opens) my terminal in my running lab. */
  terminalTicket: authedProcedure.input(z.object({ instanceId: z.uuid() })).mutation(async ({ ctx, input }) => {
    const { instance } = await requireInstance(ctx, input.instanceId, 'use', 'instanceId');
    const { ticket, sessionId } = await issueOwnerTicket(ctx.services, ctx.caller, instance);
    return { ticket, sessionId, gatewayUrl: ctx.services.env.GATEWAY_PUBLIC_URL ?? '' };
  }),

  /** Watch a student's live terminal: the course's teachers and admins. */
  shadowTicket: authedProcedure.input(z.object({ sessionId: z.string().min(1).max(200) })).mutation(async ({ ctx, input }) => {
    const record = await ctx.services.sessionStore.get(input.sessionId);
    if (!record || !isLive(record)) fail('NOT_FOUND', 'no such live session', { field: 'sessionId' });
    const prisma = ctx.services.db.prisma;
    // The course comes from our database, not from the session record.
    const instance = await prisma.labInstance.findUnique({ where: { id: record.labInstanceId }, include: { deployment: true } });
    if (!instance) fail('NOT_FOUND', 'no such live session', { field: 'sessionId' });
    const { relation } = await requireInstance(ctx, instance.id, 'oversee', 'sessionId');
    if (relation === 'user') fail('FORBIDDEN', 'only the course\'s teachers may watch this session', { field: 'sessionId' });
    const ticket = await mintTicket(
      signingKey(ctx),
      {
        sub: ctx.caller.id,
        name: ctx.caller.displayName,
        role: ctx.caller.role,
        sid: record.id,
        labInstanceId: instance.id,
        courseId: instance.deployment.courseId,
        ownerId: record.ownerId,
        mode: 'viewer',
        recording: record.recording,
      },
      ctx.services.env.TICKET_TTL_SECONDS,
    );
    return { ticket, gatewayUrl: ctx.services.env.GATEWAY_PUBLIC_URL ?? '' };
  }),
});
