/**
 * The audit trail: who did what to which target, when, and whether it was allowed. Every mutating API
 * call writes one entry, denied attempts included; gateways report theirs over AUDIT_CHANNEL.
 * Writing never throws: a failed audit write is logged loudly but does not turn a done action into an
 * error for the user.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AuditOutcome, Prisma, PrismaClient } from '../generated/prisma/client';

export interface AuditEntry {
  actorId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  outcome: AuditOutcome;
  detail?: Prisma.InputJsonValue;
  requestId?: string | null;
}

export async function recordAudit(prisma: PrismaClient, log: FastifyBaseLogger, entry: AuditEntry): Promise<void> {
  try {
    await prisma.auditLog.create({
      data: {
        actorId: entry.actorId,
        actorRole: entry.actorRole,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId ?? null,
        outcome: entry.outcome,
        detail: entry.detail,
        requestId: entry.requestId ?? null,
      },
    });
  } catch (err) {
    log.error({ err, action: entry.action, outcome: entry.outcome }, 'audit entry could not be written');
  }
}
