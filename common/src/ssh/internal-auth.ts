/**
 * Guards the API's internal routes: the caller must send `Authorization: Bearer <INTERNAL_API_SECRET>`.
 * Compared in constant time; a wrong or missing secret gets the same 404 as an unknown route. The
 * routes share the API's port, which an ingress may expose (the chart sends `/` to the API): the secret,
 * 32+ random characters, is what guards them, not the network.
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
