/**
 * More time on a running lab: the lab's student asks (`request`), a teacher of its course (or an admin)
 * grants a chosen number of minutes (`grant`, bounded by labs/time-extension.ts) or declines. One request
 * is pending per instance at a time, decided under the instance's row lock so two clicks make one. Every
 * call is a mutation, so the audit middleware records it, refusals included.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { parseDuration } from '../../labs/quantity';
import { MAX_EXTENSION_MINUTES, extendExpiry, extensionLimit } from '../../labs/time-extension';
import { requireInstance, type InstanceWithDeployment } from '../access';
import { fail } from '../errors';
import { authedProcedure, router, type AuthedContext } from '../init';
import { loadLabConfig } from '../lab-store';
import { iso } from '../views';
import { timeRequestView, withAuthor } from '../time-request-views';

const id = z.uuid();

/** Takes the instance's row lock for the rest of the transaction: requests and grants on one lab queue up. */
async function lockInstance(tx: Prisma.TransactionClient, instanceId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM lab_instances WHERE id = ${instanceId}::uuid FOR UPDATE`;
}

/** The latest expiry this run of the instance may get, from its lab's ttl. */
async function limitOf(ctx: AuthedContext, instance: InstanceWithDeployment): Promise<{ limit: Date; ttl: string }> {
  const lab = await ctx.services.db.prisma.labConfig.findUniqueOrThrow({ where: { id: instance.deployment.labConfigId } });
  const ttl = (await loadLabConfig(ctx.services, lab)).spec.lifetime.ttl;
  return { limit: extensionLimit(instance.startedAt ?? instance.createdAt, parseDuration(ttl)), ttl };
}

function requireRunning(instance: { status: string }, field: string): void {
  if (instance.status !== 'running') fail('CONFLICT', `the lab is ${instance.status}; more time is given only while it runs`, { field });
}

/** A pending request a teacher of its instance's course (or an admin) may decide, with that instance. */
async function requireDecidable(ctx: AuthedContext, requestId: string) {
  const request = await ctx.services.db.prisma.labTimeRequest.findUnique({ where: { id: requestId } });
  if (!request) fail('NOT_FOUND', 'no such request for more time', { field: 'id' });
  const { instance, relation } = await requireInstance(ctx, request.instanceId, 'oversee');
  if (relation === 'user') fail('FORBIDDEN', "only a teacher of the course may answer a request for more time", { field: 'id' });
  return { request, instance };
}

async function decide(tx: Prisma.TransactionClient, ctx: AuthedContext, requestId: string, data: { status: 'granted' | 'declined'; grantedMinutes?: number }) {
  const { count } = await tx.labTimeRequest.updateMany({
    where: { id: requestId, status: 'pending' },
    data: { ...data, decidedById: ctx.caller.id, decidedAt: new Date() },
  });
  if (count === 0) fail('CONFLICT', 'this request was already answered', { field: 'id' });
  return tx.labTimeRequest.findUniqueOrThrow({ where: { id: requestId }, include: withAuthor });
}

export const timeRequestsRouter = router({
  /** The lab's student asks for more time; a second request while one is pending is CONFLICT, nothing added. */
  request: authedProcedure.input(z.object({ instanceId: id })).mutation(async ({ ctx, input }) => {
    const { instance, relation } = await requireInstance(ctx, input.instanceId, 'oversee', 'instanceId');
    if (relation !== 'user') fail('FORBIDDEN', "only the lab's student may ask for more time", { field: 'instanceId' });
    requireRunning(instance, 'instanceId');
    const { limit, ttl } = await limitOf(ctx, instance);
    if (!extendExpiry(instance.expiresAt, 1, limit, new Date()).ok) {
      fail('TIME_LIMIT_EXCEEDED', `this lab already has all the time it may get (twice its time limit of ${ttl})`, { field: 'instanceId' });
    }
    const prisma = ctx.services.db.prisma;
    const created = await prisma.$transaction(async (tx) => {
      await lockInstance(tx, instance.id);
      const pending = await tx.labTimeRequest.findFirst({ where: { instanceId: instance.id, status: 'pending' } });
      if (pending) fail('CONFLICT', 'you already asked for more time; your teacher has not answered yet', { field: 'instanceId' });
      return tx.labTimeRequest.create({ data: { instanceId: instance.id, requestedById: ctx.caller.id }, include: withAuthor });
    });
    return timeRequestView(created);
  }),

  /** A teacher gives `minutes` more: the instance's expiresAt moves, never past its limit (TIME_LIMIT_EXCEEDED on `minutes`). */
  grant: authedProcedure
    .input(z.object({ id, minutes: z.number().int().min(1).max(MAX_EXTENSION_MINUTES) }))
    .mutation(async ({ ctx, input }) => {
      const { instance } = await requireDecidable(ctx, input.id);
      const { limit, ttl } = await limitOf(ctx, instance);
      const prisma = ctx.services.db.prisma;
      const { request, expiresAt } = await prisma.$transaction(async (tx) => {
        await lockInstance(tx, instance.id);
        const current = await tx.labInstance.findUniqueOrThrow({ where: { id: instance.id } });
        requireRunning(current, 'id');
        const decision = extendExpiry(current.expiresAt, input.minutes, limit, new Date());
        if (!decision.ok) {
          fail(
            'TIME_LIMIT_EXCEEDED',
            decision.maxMinutes > 0
              ? `at most ${decision.maxMinutes} more minutes: a lab runs for at most twice its time limit of ${ttl}`
              : `this lab already has all the time it may get (twice its time limit of ${ttl})`,
            { field: 'minutes', detail: { limit: decision.limit.toISOString(), maxMinutes: decision.maxMinutes } },
          );
        }
        await tx.labInstance.update({ where: { id: instance.id }, data: { expiresAt: decision.expiresAt } });
        return { request: await decide(tx, ctx, input.id, { status: 'granted', grantedMinutes: input.minutes }), expiresAt: decision.expiresAt };
      });
      ctx.log.info({ instanceId: instance.id, minutes: input.minutes, expiresAt }, 'more time granted');
      return { request: timeRequestView(request), expiresAt: iso(expiresAt) };
    }),

  decline: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    await requireDecidable(ctx, input.id);
    const request = await ctx.services.db.prisma.$transaction((tx) => decide(tx, ctx, input.id, { status: 'declined' }));
    return timeRequestView(request);
  }),
});
