/**
 * Our role from an OIDC token's role claim. Zitadel puts roles in an object whose keys are role names
 * (`{"teacher": {"<orgId>": "<domain>"}}`); other issuers use a string array or a single string. The
 * highest known role wins; a token without any known role is a viewer (least privilege).
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
  const names = new Set(roleNamesFromClaim(claim).map((n) => n.toLowerCase()));
  return RANK.find((r) => names.has(r)) ?? 'viewer';
}
