/**
 * Verifies OIDC access tokens from any standards-following issuer (Zitadel, Keycloak, Dex, ...): the
 * issuer's keys are found through discovery (`/.well-known/openid-configuration` -> `jwks_uri`) and
 * cached by jose, which refetches on an unknown `kid` (key rotation). Checked: signature (asymmetric
 * algorithms only), issuer, audience, expiry. Every rejection is UNAUTHENTICATED with a message saying
 * which check failed; an unreachable issuer is SERVICE_UNAVAILABLE.
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '@autolabs/common/errors/app-error';
import type { Role } from './caller';
import { roleFromClaim } from './oidc-roles';

export interface OidcOptions {
  issuer: string;
  audience: string;
  roleClaim: string;
  /** Allowed clock skew in seconds. */
  clockTolerance?: number;
}

export interface OidcIdentity {
  subject: string;
  role: Role;
  email: string | null;
  name: string | null;
  preferredUsername: string | null;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function normalise(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}

export class OidcVerifier {
  private keys: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;

  constructor(private readonly opts: OidcOptions) {}

  async verify(token: string): Promise<OidcIdentity> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch (e) {
      throw new AppError('UNAUTHENTICATED', 'bearer token is not a JWT', { cause: e });
    }
    if (typeof unverified.iss !== 'string' || normalise(unverified.iss) !== normalise(this.opts.issuer)) {
      throw new AppError('UNAUTHENTICATED', 'bearer token was issued by another issuer', {
        detail: { iss: unverified.iss },
      });
    }
    const keys = await this.jwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: [normalise(this.opts.issuer), `${normalise(this.opts.issuer)}/`],
        audience: this.opts.audience,
        algorithms: ALGORITHMS,
        clockTolerance: this.opts.clockTolerance ?? 5,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (e) {
      throw rejection(e);
    }
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    return {
      subject: payload.sub as string,
      role: roleFromClaim(payload[this.opts.roleClaim]),
      email: str(payload.email),
      name: str(payload.name),
      preferredUsername: str(payload.preferred_username),
    };
  }

  /** Discovery once; a failed discovery is retried on the next request rather than cached. */
  private jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.keys) {
      this.keys = discover(this.opts.issuer).catch((e: unknown) => {
        this.keys = null;
        throw e;
      });
    }
    return this.keys;
  }
}

async function discover(issuer: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
  const url = `${normalise(issuer)}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (e) {
    throw new AppError('SERVICE_UNAVAILABLE', 'the sign-in provider cannot be reached', { cause: e, detail: { url } });
  }
  if (typeof doc.jwks_uri !== 'string' || typeof doc.issuer !== 'string' || normalise(doc.issuer) !== normalise(issuer)) {
    throw new AppError('SERVICE_UNAVAILABLE', 'the sign-in provider has an unexpected discovery document', {
      detail: { url, issuer: doc.issuer },
    });
  }
  return createRemoteJWKSet(new URL(doc.jwks_uri));
}

function rejection(e: unknown): AppError {
  if (e instanceof joseErrors.JWTExpired) return new AppError('UNAUTHENTICATED', 'bearer token expired', { cause: e });
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    const which = e.claim === 'aud' ? 'is for another audience' : e.claim === 'iss' ? 'was issued by another issuer' : `has an invalid ${e.claim} claim`;
    return new AppError('UNAUTHENTICATED', `bearer token ${which}`, { cause: e });
  }
  if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AppError('UNAUTHENTICATED', 'bearer token signature is not valid', { cause: e });
  }
  if (e instanceof joseErrors.JOSEError) return new AppError('UNAUTHENTICATED', 'bearer token is not valid', { cause: e });
  return new AppError('SERVICE_UNAVAILABLE', 'the sign-in provider cannot be reached', { cause: e });
}
