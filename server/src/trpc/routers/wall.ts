/**
 * The class wall (issue 10 point 3): for a deployment, every student's card (their lab's state, whether
 * their terminal is live and when they last typed or saw output, how many checks pass, a raised hand) and a
 * wall ticket for the gateway, which streams the terminals' thumbnails (gateway/src/wall). For the course's
 * teachers and admins only, like class progress. The page asks again every few seconds; the gateway audits
 * each wall it opens.
 */
import { z } from 'zod';
import { loadClassProgress } from '../../progress/class-progress';
import { mintWallTicket } from '@autolabs/common/tickets/wall-ticket';
import { requireClassDeployment } from '../class-deployment';
import { fail } from '../errors';
import { authedProcedure, router } from '../init';
import { isLive } from '../live-sessions';
import { terminalSessionId } from '../terminal-ticket';
import { iso } from '../views';

const at = (ms: number) => new Date(ms).toISOString();

export const wallRouter = router({
  get: authedProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const { deployment, checks } = await requireClassDeployment(ctx, input.id);
    const key = ctx.services.ticketKeys.privateKey;
    if (!key) fail('SERVICE_UNAVAILABLE', 'this server cannot issue wall tickets (TICKET_PRIVATE_KEY is not set)');
    const { prisma } = ctx.services.db;
    const progress = await loadClassProgress(prisma, deployment, checks);
    const instanceIds = [...new Set(progress.rows.flatMap((r) => (r.instanceId ? [r.instanceId] : [])))];
    const [instances, hands] = await Promise.all([
      prisma.labInstance.findMany({ where: { id: { in: instanceIds } }, select: { id: true, ownerUserId: true, expiresAt: true } }),
      prisma.raisedHand.findMany({ where: { instanceId: { in: instanceIds }, loweredAt: null }, select: { instanceId: true, raisedById: true, raisedAt: true } }),
    ]);
    const instanceOf = new Map(instances.map((i) => [i.id, i]));
    const students = await Promise.all(
      progress.rows.map(async (r) => {
        const instance = r.instanceId ? instanceOf.get(r.instanceId) : undefined;
        const sessionId = instance && r.instanceStatus === 'running' ? terminalSessionId(instance, r.userId) : null;
        const record = sessionId ? await ctx.services.sessionStore.get(sessionId) : null;
        const live = record !== null && isLive(record);
        const hand = hands.find((h) => h.instanceId === r.instanceId && h.raisedById === r.userId);
        return {
          userId: r.userId,
          displayName: r.displayName,
          username: r.username,
          instanceId: r.instanceId,
          instanceStatus: r.instanceStatus,
          expiresAt: iso(instance?.expiresAt ?? null),
          sessionId,
          live,
          lastInputAt: live ? at(record.lastInputAt) : null,
          lastOutputAt: live ? at(record.lastOutputAt) : null,
          checksPassed: r.checks.filter((c) => c.passed === true).length,
          handRaisedAt: hand ? iso(hand.raisedAt) : null,
        };
      }),
    );
    const sids = students.flatMap((s) => (s.sessionId ? [s.sessionId] : []));
    const ticket = await mintWallTicket(key, { sub: ctx.caller.id, deploymentId: deployment.id, sids }, ctx.services.env.TICKET_TTL_SECONDS);
    return {
      id: deployment.id,
      lab: { name: deployment.labConfig.name, title: deployment.labConfig.title },
      status: deployment.status,
      checks: checks.length,
      students,
      ticket,
      gatewayUrl: ctx.services.env.GATEWAY_PUBLIC_URL ?? '',
    };
  }),
});
