/**
 * Terminal tickets of a disabled account. A ticket is checked by signature alone and lives up to
 * TICKET_TTL_SECONDS (at most 600 s), so one minted just before an admin disabled its user would still
 * open a terminal. Disabling therefore leaves a mark in the session store, which every gateway reads
 * (the gateway never touches the database): while it is there, the gateway refuses every ticket of that
 * user (session-hub.ts, on attach). It outlives the longest ticket, so it needs no clean-up; re-enabling
 * the account removes it at once (tickets minted before the disable may then attach again until they
 * expire: their user is trusted again).
 * The mark is one hit of the session store's sliding-window counter: a key with a lifetime, in memory
 * and in Redis alike.
 */
import type { SessionStore } from '../session-store/session-store';

/** The longest ticket lifetime the environment allows (TICKET_TTL_SECONDS, env.ts), plus clock slack between API and gateways. */
export const REVOCATION_WINDOW_MS = (600 + 60) * 1000;

const key = (userId: string) => `revoked-user:${userId}`;

/** Refuse every ticket of `userId` from now on, for longer than any ticket lives. */
export async function revokeUserTickets(store: SessionStore, userId: string, now = Date.now()): Promise<void> {
  await store.recordHit(key(userId), REVOCATION_WINDOW_MS, now);
}

/** Tickets of `userId` work again (the account was re-enabled). */
export async function restoreUserTickets(store: SessionStore, userId: string): Promise<void> {
  await store.clearHits(key(userId));
}

/** True while `userId`'s tickets are refused. */
export async function userTicketsRevoked(store: SessionStore, userId: string, now = Date.now()): Promise<boolean> {
  return (await store.recentHits(key(userId), REVOCATION_WINDOW_MS, now)).length > 0;
}
