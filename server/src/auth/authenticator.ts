/**
 * Resolves the caller of an HTTP request: an OIDC bearer token (when OIDC_ISSUER is set) or the
 * built-in session cookie. No credentials -> null (anonymous). Credentials that do not check out ->
 * AppError UNAUTHENTICATED: a bad token is an error, never a silent downgrade to anonymous.
 */
import type { Env } from '@autolabs/common/config/env';
import { AppError } from '@autolabs/common/errors/app-error';
import type { PrismaClient } from '../generated/prisma/client';
import { callerFromUser, type Caller } from './caller';
import { findSessionUser } from './cookie-session';
import { upsertOidcUser } from './oidc-user';
import { OidcVerifier } from './oidc-verifier';

export interface Credentials {
  authorization?: string;
  sessionToken?: string;
}

export class Authenticator {
  private readonly oidc: OidcVerifier | null;

  constructor(
    private readonly prisma: PrismaClient,
    env: Pick<Env, 'OIDC_ISSUER' | 'OIDC_AUDIENCE' | 'OIDC_ROLE_CLAIM'>,
  ) {
    this.oidc =
      env.OIDC_ISSUER && env.OIDC_AUDIENCE
        ? new OidcVerifier({ issuer: env.OIDC_ISSUER, audience: env.OIDC_AUDIENCE, roleClaim: env.OIDC_ROLE_CLAIM })
        : null;
  }

  async authenticate(creds: Credentials): Promise<Caller | null> {
    if (creds.authorization) return this.bearer(creds.authorization);
    if (creds.sessionToken) {
      const user = await findSessionUser(this.prisma, creds.sessionToken);
      if (!user) throw new AppError('UNAUTHENTICATED', 'your session has ended; sign in again');
      return callerFromUser(user, 'session');
    }
    return null;
  }

  private async bearer(header: string): Promise<Caller> {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"', { field: 'authorization' });
    if (!this.oidc) throw new AppError('UNAUTHENTICATED', 'bearer tokens are not accepted: OIDC is not configured');
    const identity = await this.oidc.verify(match[1]);
    const user = await upsertOidcUser(this.prisma, identity);
    if (user.disabled) throw new AppError('UNAUTHENTICATED', 'this account is disabled');
    return callerFromUser(user, 'oidc');
  }
}
