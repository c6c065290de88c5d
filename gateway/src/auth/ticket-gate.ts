/**
 * Admits a terminal ticket in two steps. `verifyTicketClaims`: signature, issuer, audience and expiry
 * (verifyTicket), then the shape of the claims (verifiedTicketSchema, the schema the server's ticket types come
 * from: the signer is trusted, but a gateway must not crash on a ticket minted by an older or newer server).
 * `claimTicket`: single use, the `jti` is claimed in the session store, shared by every gateway replica,
 * until the ticket would have expired anyway.
 * They are apart because a replica that forwards a connection to the replica holding the session
 * verifies the ticket but leaves the claim to that peer (docs/terminal-protocol.md, "Replicas").
 */
import type { CryptoKey } from 'jose';
import { AppError } from '@autolabs/common/errors/app-error';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import { verifiedTicketSchema, verifyTicket, type VerifiedTicket } from '@autolabs/common/tickets/ticket';

/** Prefix of the single-use keys in the session store. */
export const TICKET_CLAIM_PREFIX = 'autolabs:ticket:';

/** Signature, expiry and claim shape; throws TICKET_INVALID / TICKET_EXPIRED. Does not claim the ticket. */
export async function verifyTicketClaims(publicKey: CryptoKey, token: string): Promise<VerifiedTicket> {
  const verified = await verifyTicket(publicKey, token);
  const parsed = verifiedTicketSchema.safeParse(verified);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('TICKET_INVALID', 'terminal ticket is not valid', {
      field: `ticket.${issue?.path.join('.') ?? ''}`,
      detail: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return parsed.data;
}

/** Claims a verified ticket's (terminal or wall) `jti` once across every replica; throws TICKET_REUSED the second time. */
export async function claimTicket(store: SessionStore, ticket: Pick<VerifiedTicket, 'jti' | 'exp'>, what = 'terminal ticket'): Promise<void> {
  const ttl = Math.max(1, ticket.exp - Math.floor(Date.now() / 1000) + 5);
  if (!(await store.claimOnce(`${TICKET_CLAIM_PREFIX}${ticket.jti}`, ttl))) {
    throw new AppError('TICKET_REUSED', `${what} was already used; request a new one`);
  }
}
