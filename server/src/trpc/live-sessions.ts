/**
 * Which session-store records count as live. Records are not deleted when a gateway dies (see
 * session-store.ts); a gateway heartbeats every 10 s, so one silent for a minute is gone, as the
 * gateway's own hub also assumes.
 */
import type { SessionRecord } from '../infra/session-store/session-store';

export const STALE_SESSION_MS = 60_000;

export function isLive(r: SessionRecord, now = Date.now()): boolean {
  return r.state !== 'ended' && now - r.heartbeatAt < STALE_SESSION_MS;
}
