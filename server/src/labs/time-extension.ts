/**
 * How far a teacher may extend a running lab: by whole minutes, at most up to its start plus twice the
 * lab's `lifetime.ttl` (the lab's own time again, once over); that bound keeps a class's labs from
 * running on indefinitely while the teacher can still give a slow student the time the lab was meant to
 * take. Pure, so the rule is unit tested; the procedures (trpc/routers/time-requests.ts) apply it.
 */
export const MAX_EXTENSION_MINUTES = 24 * 60;

/** The latest expiry a lab started at `startedAt` with this ttl may get. */
export function extensionLimit(startedAt: Date, ttlMs: number): Date {
  return new Date(startedAt.getTime() + 2 * ttlMs);
}

export type ExtensionDecision = { ok: true; expiresAt: Date } | { ok: false; limit: Date; maxMinutes: number };

/**
 * The new expiry for `minutes` more: from the current expiry, or from now if that has already passed (a
 * lab about to be stopped gets the time it was given). Refused past the limit, with the most minutes that
 * would still fit (0 when none).
 */
export function extendExpiry(current: Date | null, minutes: number, limit: Date, now: Date): ExtensionDecision {
  const from = Math.max(current?.getTime() ?? now.getTime(), now.getTime());
  const expiresAt = new Date(from + minutes * 60_000);
  if (expiresAt.getTime() > limit.getTime()) return { ok: false, limit, maxMinutes: Math.max(0, Math.floor((limit.getTime() - from) / 60_000)) };
  return { ok: true, expiresAt };
}
