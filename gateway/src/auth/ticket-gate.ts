/**
 * Admits a terminal ticket: signature, issuer, audience and expiry (verifyTicket), then the shape of
 * the claims (the signer is trusted, but a gateway must not crash on a ticket minted by an older or
 * newer server), then single use: the `jti` is claimed in the session store, shared by every gateway
 * replica, until the ticket would have expired anyway.
 */
import type { CryptoKey } from 'jose';
import { z } from 'zod';
import { AppError } from '@autolabs/server/errors/app-error';
import type { SessionStore } from '@autolabs/server/infra/session-store/session-store';
import { verifyTicket, type VerifiedTicket } from '@autolabs/server/tickets/ticket';

const id = z.string().min(1).max(200);
const target = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pty'), argv: z.array(z.string()).min(1), env: z.record(z.string(), z.string()), cwd: z.string().min(1) }),
  z.object({ kind: z.literal('k8s-exec'), namespace: id, pod: id, container: id, command: z.array(z.string()).min(1) }),
  z.object({ kind: z.literal('ssh'), host: id, port: z.number().int().min(1).max(65535), username: id, privateKeyRef: id }),
]);

const claimsSchema = z.object({
  sub: id,
  name: z.string().max(200),
  role: z.enum(['admin', 'teacher', 'student', 'viewer']),
  sid: id,
  labInstanceId: id,
  courseId: id.nullable(),
  ownerId: id,
  mode: z.enum(['owner', 'viewer']),
  target: target.optional(),
  recording: z.boolean(),
  jti: id,
  exp: z.number(),
});

/** Prefix of the single-use keys in the session store. */
export const TICKET_CLAIM_PREFIX = 'autolabs:ticket:';

export async function admitTicket(publicKey: CryptoKey, store: SessionStore, token: string): Promise<VerifiedTicket> {
  const verified = await verifyTicket(publicKey, token);
  const parsed = claimsSchema.safeParse(verified);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('TICKET_INVALID', 'terminal ticket is not valid', {
      field: `ticket.${issue?.path.join('.') ?? ''}`,
      detail: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  const ttl = Math.max(1, parsed.data.exp - Math.floor(Date.now() / 1000) + 5);
  if (!(await store.claimOnce(`${TICKET_CLAIM_PREFIX}${parsed.data.jti}`, ttl))) {
    throw new AppError('TICKET_REUSED', 'terminal ticket was already used; request a new one');
  }
  return parsed.data;
}
