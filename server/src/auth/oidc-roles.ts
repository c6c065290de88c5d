/**
 * Our role from an OIDC token's role claim. Zitadel puts roles in an object whose keys are role names
 * (`{"teacher": {"<orgId>": "<domain>"}}`); other issuers use a string array or a single string. The
 * highest known role wins; a bearer token without any known role is a viewer (least privilege), while
 * browser sign-in refuses such a user (OIDC_NO_ROLE, oidc/oidc-routes.ts).
 */
import type { Role } from './caller';

const RANK: Role[] = ['admin', 'teacher', 'student', 'viewer'];

export function roleNamesFromClaim(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((r): r is string => typeof r === 'string');
  if (claim !== null && typeof claim === 'object') return Object.keys(claim);
  return [];
}

export function roleFromClaim(claim: unknown): Role {
  return knownRoleFromClaim(claim) ?? 'viewer';
}

/** The highest known role the claim names, or null when it names none (browser sign-in refuses those). */
export function knownRoleFromClaim(claim: unknown): Role | null {
  const names = new Set(roleNamesFromClaim(claim).map((n) => n.toLowerCase()));
  return RANK.find((r) => names.has(r)) ?? null;
}
