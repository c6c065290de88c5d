/**
 * What every kind of ticket shares (terminal tickets, ticket.ts; class wall tickets, wall-ticket.ts): signed
 * by the server with EdDSA, checked by the gateway with the public key alone, short-lived, single-use by its
 * `jti`, and bound to one audience, so a ticket of one kind never passes for another.
 */
import { SignJWT, jwtVerify, errors as joseErrors, type CryptoKey, type KeyObject } from 'jose';
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error';

export type SigningKey = CryptoKey | KeyObject | Uint8Array;

const ISSUER = 'autolabs-server';

export interface TicketKind {
  audience: string;
  /** The JWT header's `typ`. */
  typ: string;
  /** How errors name it: "terminal ticket", "wall ticket". */
  what: string;
}

export function signTicket(key: SigningKey, kind: TicketKind, claims: { sub: string } & Record<string, unknown>, ttlSeconds: number): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: kind.typ })
    .setIssuer(ISSUER)
    .setAudience(kind.audience)
    .setSubject(claims.sub)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

/** Signature, issuer, audience and expiry; the payload as signed (its shape is the caller's to check). */
export async function verifySignedTicket(key: SigningKey, kind: TicketKind, token: string): Promise<unknown> {
  try {
    return (await jwtVerify(token, key, { issuer: ISSUER, audience: kind.audience, algorithms: ['EdDSA'] })).payload;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw new AppError('TICKET_EXPIRED', `${kind.what} expired`, { cause: e });
    throw new AppError('TICKET_INVALID', `${kind.what} is not valid`, { cause: e });
  }
}
