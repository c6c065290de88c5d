/**
 * Class wall tickets: what lets a teacher's browser watch the thumbnails of a deployment's terminals on
 * the gateway (issue 10, the class wall). Minted by the API (wall.get) for the course's teachers and admins,
 * checked by the gateway by signature like terminal tickets, single-use like them, but a separate kind: its
 * own audience, so a wall ticket never opens a terminal and a terminal ticket never opens a wall.
 */
import { z } from 'zod';
import { AppError } from '../errors/app-error';
import { signTicket, verifySignedTicket, type SigningKey, type TicketKind } from './signed-ticket';

export const WALL_TICKET_AUDIENCE = 'autolabs-gateway-wall';
/** A class bigger than this is refused by progress too (MAX_PROGRESS_STUDENTS). */
export const MAX_WALL_SESSIONS = 1000;

const id = z.string().min(1).max(200);

const wallClaimsSchema = z.object({
  /** The teacher or admin watching. */
  sub: id,
  deploymentId: id,
  /** The terminal sessions the wall may show: the deployment's, decided by the API. */
  sids: z.array(id).max(MAX_WALL_SESSIONS),
});

export type WallClaims = z.infer<typeof wallClaimsSchema>;

export const verifiedWallTicketSchema = wallClaimsSchema.extend({ jti: id, exp: z.number() });

export type VerifiedWallTicket = z.infer<typeof verifiedWallTicketSchema>;

const WALL: TicketKind = { audience: WALL_TICKET_AUDIENCE, typ: 'autolabs-wall-ticket', what: 'wall ticket' };

export function mintWallTicket(key: SigningKey, claims: WallClaims, ttlSeconds: number): Promise<string> {
  return signTicket(key, WALL, claims, ttlSeconds);
}

/** Signature, issuer, audience, expiry and the claims' shape; single use is the caller's job (claim `jti`). */
export async function verifyWallTicket(key: SigningKey, token: string): Promise<VerifiedWallTicket> {
  const parsed = verifiedWallTicketSchema.safeParse(await verifySignedTicket(key, WALL, token));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('TICKET_INVALID', 'wall ticket is not valid', { field: `ticket.${issue?.path.join('.') ?? ''}` });
  }
  return parsed.data;
}
