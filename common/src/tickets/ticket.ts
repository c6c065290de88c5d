/**
 * Terminal tickets: the server mints, the gateway verifies by signature (EdDSA), so the gateway needs
 * only the public key and never the database. Short-lived, single-use (the gateway claims `jti` in the
 * session store), audience-bound, and bound to user + session + mode.
 */
import { z } from 'zod';
import type { TerminalTarget } from '../lab-access/terminal-target';
import { signTicket, verifySignedTicket, type SigningKey, type TicketKind } from './signed-ticket';

export const TICKET_AUDIENCE = 'autolabs-gateway';

const id = z.string().min(1).max(200);

/** The runtime's TerminalTarget as a ticket carries it. */
const terminalTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local-sandbox'), instanceId: id }),
  z.object({ kind: z.literal('pty'), argv: z.array(z.string()).min(1), env: z.record(z.string(), z.string()), cwd: z.string().min(1) }),
  z.object({ kind: z.literal('k8s-exec'), namespace: id, pod: id, container: id, command: z.array(z.string()).min(1) }),
  z.object({ kind: z.literal('ssh'), host: id, port: z.number().int().min(1).max(65535), username: id, hostKey: z.string().min(1).max(4096), localPod: id.optional() }),
]);
// A target kind added to TerminalTarget and not here (or the other way round) would be refused by every
// gateway: this stops compiling instead.
const _targetsAgree: [TerminalTarget, z.infer<typeof terminalTarget>] extends [z.infer<typeof terminalTarget>, TerminalTarget] ? true : never = true;

/** The claims of a terminal ticket, as minted (TicketClaims) and as checked by the gateway (verifiedTicketSchema). */
const ticketClaimsSchema = z.object({
  /** User the ticket is for. */
  sub: id,
  /** Display name shown to other viewers. */
  name: z.string().max(200),
  role: z.enum(['admin', 'teacher', 'student', 'viewer']),
  /** Terminal session id (stable across reconnects of the same lab terminal). */
  sid: id,
  labInstanceId: id,
  courseId: id.nullable(),
  /** Owner of the session (the student). */
  ownerId: id,
  mode: z.enum(['owner', 'viewer']),
  /** Present on owner tickets: how to open the terminal when the session is not live yet. */
  target: terminalTarget.optional(),
  recording: z.boolean(),
});

export type TicketClaims = z.infer<typeof ticketClaimsSchema>;

/**
 * The claims plus the id that makes the ticket single-use and its expiry (seconds since the epoch): what the
 * gateway checks a verified ticket against before it trusts one (gateway auth/ticket-gate.ts).
 */
export const verifiedTicketSchema = ticketClaimsSchema.extend({ jti: id, exp: z.number() });

export type VerifiedTicket = z.infer<typeof verifiedTicketSchema>;

const TERMINAL: TicketKind = { audience: TICKET_AUDIENCE, typ: 'autolabs-ticket', what: 'terminal ticket' };

export function mintTicket(key: SigningKey, claims: TicketClaims, ttlSeconds: number): Promise<string> {
  return signTicket(key, TERMINAL, claims, ttlSeconds);
}

/** Checks signature, issuer, audience and expiry. Single-use is the caller's job (claim `jti`). */
export async function verifyTicket(key: SigningKey, token: string): Promise<VerifiedTicket> {
  return (await verifySignedTicket(key, TERMINAL, token)) as VerifiedTicket;
}
