import { describe, expect, it } from 'vitest';
import { knownRoleFromClaim, roleFromClaim } from './oidc-roles';

describe('role from the OIDC role claim', () => {
  it('reads Zitadel role objects by their keys and picks the highest role', () => {
    expect(roleFromClaim({ student: { '123': 'org.example' }, teacher: { '123': 'org.example' } })).toBe('teacher');
  });

  it('accepts a string array and a single string', () => {
    expect(roleFromClaim(['student', 'admin'])).toBe('admin');
    expect(roleFromClaim('student')).toBe('student');
  });

  it('gives viewer when the claim is missing or names no known role', () => {
    expect(roleFromClaim(undefined)).toBe('viewer');
    expect(roleFromClaim(['superuser'])).toBe('viewer');
    expect(roleFromClaim(42)).toBe('viewer');
  });

  it('names no role for browser sign-in when the claim is missing, empty or unknown', () => {
    expect(knownRoleFromClaim(undefined)).toBeNull();
    expect(knownRoleFromClaim({})).toBeNull();
    expect(knownRoleFromClaim(['superuser'])).toBeNull();
    expect(knownRoleFromClaim({ Student: { '123': 'org.example' } })).toBe('student');
  });
});
