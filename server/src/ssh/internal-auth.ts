/**
 * Guards the API's internal routes: the caller must send `Authorization: Bearer <INTERNAL_API_SECRET>`.
 * Compared in constant time; a wrong or missing secret gets the same 404 as an unknown route, so the
 * routes are invisible from outside (they also stay off the public ingress in the Helm chart).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const INTERNAL_AUTH_HEADER = 'authorization';

export function internalAuthHeader(secret: string): string {
  return `Bearer ${secret}`;
}

export function internalCallAllowed(header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  // Hashing first makes both sides the same length, so timingSafeEqual never throws and leaks no length.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(secret));
}
