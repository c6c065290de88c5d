/**
 * Terminal tickets: the server mints, the gateway verifies by signature (EdDSA), so the gateway needs
 * only the public key and never the database. Short-lived, single-use (the gateway claims `jti` in the
 * session store), audience-bound, and bound to user + session + mode.
 */
import { SignJWT, jwtVerify, errors as joseErrors, type CryptoKey, type KeyObject } from 'jose';
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error';
import type { TerminalTarget } from '../runtime/lab-runtime';

export const TICKET_AUDIENCE = 'autolabs-gateway';
const ISSUER = 'autolabs-server';

export type TicketMode = 'owner' | 'viewer';

export interface TicketClaims {
  /** User the ticket is for. */
  sub: string;
  /** Display name shown to other viewers. */
  name: string;
  role: 'admin' | 'teacher' | 'student' | 'viewer';
  /** Terminal session id (stable across reconnects of the same lab terminal). */
  sid: string;
  labInstanceId: string;
  courseId: string | null;
  /** Owner of the session (the student). */
  ownerId: string;
  mode: TicketMode;
  /** Present on owner tickets: how to open the terminal when the session is not live yet. */
  target?: TerminalTarget;
  recording: boolean;
}

type SigningKey = CryptoKey | KeyObject | Uint8Array;

export async function mintTicket(key: SigningKey, claims: TicketClaims, ttlSeconds: number): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'autolabs-ticket' })
    .setIssuer(ISSUER)
    .setAudience(TICKET_AUDIENCE)
    .setSubject(claims.sub)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

export interface VerifiedTicket extends TicketClaims {
  jti: string;
  exp: number;
}

/** Checks signature, issuer, audience and expiry. Single-use is the caller's job (claim `jti`). */
export async function verifyTicket(key: SigningKey, token: string): Promise<VerifiedTicket> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: TICKET_AUDIENCE, algorithms: ['EdDSA'] });
    return payload as unknown as VerifiedTicket;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw new AppError('TICKET_EXPIRED', 'terminal ticket expired', { cause: e });
    throw new AppError('TICKET_INVALID', 'terminal ticket is not valid', { cause: e });
  }
}
