/** What a request for more time looks like on the wire, and the latest one per instance for listings. */
import type { LabTimeRequest, Prisma } from '../generated/prisma/client';
import { iso } from './views';

export const withAuthor = { requestedBy: { select: { id: true, displayName: true } } } as const;

/** The latest request for each of these instances (pending first), as views; for instance listings. */
export async function latestTimeRequests(prisma: Prisma.TransactionClient, instanceIds: string[]): Promise<Map<string, TimeRequestView>> {
  const rows = await prisma.labTimeRequest.findMany({ where: { instanceId: { in: instanceIds } }, include: withAuthor, orderBy: { createdAt: 'asc' } });
  const latest = new Map<string, TimeRequestView>();
  for (const r of rows) {
    const seen = latest.get(r.instanceId);
    if (!seen || seen.status !== 'pending' || r.status === 'pending') latest.set(r.instanceId, timeRequestView(r));
  }
  return latest;
}

export function timeRequestView(r: LabTimeRequest & { requestedBy: { id: string; displayName: string } }) {
  return {
    id: r.id,
    instanceId: r.instanceId,
    status: r.status,
    requestedBy: { id: r.requestedBy.id, displayName: r.requestedBy.displayName },
    createdAt: iso(r.createdAt),
    decidedAt: iso(r.decidedAt),
    grantedMinutes: r.grantedMinutes,
  };
}

export type TimeRequestView = ReturnType<typeof timeRequestView>;

