/**
 * Which session-store records count as live, and how they are shown. Records are not deleted when a
 * gateway dies: one whose gateway stopped heartbeating is gone (isStale, session-store.ts), for the API as
 * for the gateways. A record carries only ids; a teacher tells sessions apart by
 * student, lab, course and door, so those are looked up here from our database.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { isStale, type SessionRecord } from '@autolabs/common/session-store/session-store';

export function isLive(r: SessionRecord, now = Date.now()): boolean {
  return r.state !== 'ended' && !isStale(r, now);
}

/** Live session records with the names a person knows them by: student, lab, course, and each client's door. */
export async function describeSessions(prisma: PrismaClient, records: SessionRecord[]) {
  const instances = await prisma.labInstance.findMany({
    where: { id: { in: [...new Set(records.map((r) => r.labInstanceId))] } },
    select: { id: true, deployment: { select: { labConfig: { select: { id: true, name: true, title: true } }, course: { select: { id: true, code: true, title: true } } } } },
  });
  const users = await prisma.user.findMany({
    where: { id: { in: [...new Set(records.flatMap((r) => [r.ownerId, ...r.clients.map((c) => c.userId)]))] } },
    select: { id: true, username: true, displayName: true },
  });
  const instanceOf = new Map(instances.map((i) => [i.id, i.deployment]));
  const userOf = new Map(users.map((u) => [u.id, u]));
  return records.map((r) => {
    const d = instanceOf.get(r.labInstanceId);
    return {
      ...r,
      owner: userOf.get(r.ownerId) ?? { id: r.ownerId, username: '', displayName: 'unknown user' },
      lab: d?.labConfig ?? null,
      course: d?.course ?? null,
      lastActivityAt: Math.max(r.lastInputAt, r.lastOutputAt),
      clients: r.clients.map((c) => ({ ...c, kind: c.kind ?? 'browser', name: userOf.get(c.userId)?.displayName ?? null })),
    };
  });
}
