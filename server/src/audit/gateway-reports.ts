/**
 * The gateway never touches the database, so it reports over the session store's pub/sub and the API
 * process writes the rows: audit entries (AUDIT_CHANNEL) and recordings (RECORDING_CHANNEL). Messages
 * are validated; a malformed one is logged and dropped, never crashes the subscriber.
 */
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { Disposable } from '@autolabs/common/disposable';
import { AUDIT_CHANNEL, RECORDING_CHANNEL, type SessionStore } from '@autolabs/common/session-store/session-store';
import { recordAudit } from './audit-log';

const gatewayAudit = z.object({
  actorId: z.string().max(200).nullable().optional(),
  actorRole: z.string().max(50).nullable().optional(),
  action: z.string().min(1).max(100),
  targetType: z.string().min(1).max(100),
  targetId: z.string().max(200).nullable().optional(),
  outcome: z.enum(['success', 'denied', 'error']),
  detail: z.record(z.string(), z.unknown()).optional(),
  requestId: z.string().max(200).optional(),
});

const recordingAnnouncement = z.object({
  type: z.enum(['started', 'finished']),
  sessionId: z.string().min(1).max(200),
  ownerId: z.uuid(),
  labInstanceId: z.uuid(),
  prefix: z.string().min(1).max(500),
  bytes: z.number().int().min(0),
  durationMs: z.number().int().min(0),
  startedAt: z.number().int().min(0),
});

const isUuid = (v: string) => z.uuid().safeParse(v).success;

export async function subscribeGatewayReports(
  sessionStore: SessionStore,
  prisma: PrismaClient,
  log: FastifyBaseLogger,
): Promise<Disposable> {
  const audits = await sessionStore.subscribe(AUDIT_CHANNEL, (message) => {
    void writeGatewayAudit(prisma, log, message);
  });
  const recordings = await sessionStore.subscribe(RECORDING_CHANNEL, (message) => {
    void writeRecording(prisma, log, message);
  });
  return {
    async dispose() {
      await audits.dispose();
      await recordings.dispose();
    },
  };
}

export async function writeGatewayAudit(prisma: PrismaClient, log: FastifyBaseLogger, message: unknown): Promise<void> {
  const parsed = gatewayAudit.safeParse(message);
  if (!parsed.success) {
    log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'dropped a malformed audit report from a gateway');
    return;
  }
  const m = parsed.data;
  // actor_id is a uuid column; anything else is kept in the detail instead of failing the insert.
  const actorId = m.actorId && isUuid(m.actorId) ? m.actorId : null;
  const detail = { ...(m.detail ?? {}), ...(m.actorId && !actorId ? { actor: m.actorId } : {}), source: 'gateway' } as Prisma.InputJsonValue;
  await recordAudit(prisma, log, {
    actorId,
    actorRole: m.actorRole ?? null,
    action: m.action,
    targetType: m.targetType,
    targetId: m.targetId ?? null,
    outcome: m.outcome,
    detail,
    requestId: m.requestId ?? null,
  });
}

export async function writeRecording(prisma: PrismaClient, log: FastifyBaseLogger, message: unknown): Promise<void> {
  const parsed = recordingAnnouncement.safeParse(message);
  if (!parsed.success) {
    log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'dropped a malformed recording announcement');
    return;
  }
  const m = parsed.data;
  try {
    // Normally created when the ticket was minted; created here too so a recording is never orphaned.
    await prisma.terminalSession.upsert({
      where: { id: m.sessionId },
      create: { id: m.sessionId, instanceId: m.labInstanceId, userId: m.ownerId, recording: true, startedAt: new Date(m.startedAt) },
      update: m.type === 'finished' ? { endedAt: new Date() } : { endedAt: null },
    });
    const finished = m.type === 'finished' ? { bytes: m.bytes, durationMs: m.durationMs, endedAt: new Date(m.startedAt + m.durationMs) } : {};
    await prisma.recording.upsert({
      where: { objectKey: m.prefix },
      create: { sessionId: m.sessionId, objectKey: m.prefix, startedAt: new Date(m.startedAt), ...finished },
      update: finished,
    });
  } catch (err) {
    log.error({ err, sessionId: m.sessionId, prefix: m.prefix }, 'recording could not be indexed');
  }
}
