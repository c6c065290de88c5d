/**
 * Where live terminal sessions are registered, so any gateway replica can locate a session, the admin
 * console can list and kill them, and the idle culler can read activity. Also holds single-use ticket ids
 * and carries control messages between processes.
 * Also keeps sliding-window hit counts (the sign-in throttle), so every API replica counts the same failures.
 * Implementations: MemorySessionStore (embedded) and RedisSessionStore. Both pass session-store.contract.ts.
 *
 * Semantics: records are JSON; `update` of a missing id is a no-op returning false. Records are not
 * deleted when a gateway dies: `gatewayId` + `heartbeatAt` let readers treat stale ones as gone (isStale,
 * below).
 */
import type { Disposable } from '../disposable';

export interface SessionRecord {
  id: string;
  ownerId: string;
  labInstanceId: string;
  courseId: string | null;
  gatewayId: string;
  /**
   * Where the other gateway replicas reach the one serving this session (its GATEWAY_INTERNAL_URL), so a
   * replica that receives a connection for it forwards the connection there. Absent: not reachable by
   * peers (embedded mode, or not configured), and other replicas refuse the session instead.
   */
  gatewayUrl?: string;
  state: 'live' | 'detached' | 'ended';
  /** userId -> mode, for every attached client, and the door it came through (absent in records of older gateways: browser). */
  clients: { clientId: string; userId: string; mode: 'owner' | 'viewer' | 'control'; kind?: 'browser' | 'ssh' }[];
  controlGrantedTo: string[];
  recording: boolean;
  createdAt: number;
  lastInputAt: number;
  lastOutputAt: number;
  heartbeatAt: number;
}

export interface SessionStore {
  put(record: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  update(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<boolean>;
  list(filter?: { ownerId?: string; labInstanceId?: string; courseId?: string }): Promise<SessionRecord[]>;
  remove(id: string): Promise<void>;
  /** Records `key` for `ttlSeconds`; true the first time, false if it was already there (single-use tickets). */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Sliding-window counter: records one hit on `key` at `now`. Hits that have left the window (older than
   * `windowMs` before `now`) are dropped, and so is everything but the newest MAX_HITS_PER_KEY hits; a key
   * with no recent hit disappears by itself. Distinct keys never share hits.
   */
  recordHit(key: string, windowMs: number, now?: number): Promise<void>;
  /** Timestamps of the hits on `key` still inside the window (`now - t < windowMs`), oldest first. */
  recentHits(key: string, windowMs: number, now?: number): Promise<number[]>;
  /** Forgets every hit on `key`; clearing an unknown key is fine. */
  clearHits(key: string): Promise<void>;
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: (message: unknown) => void): Promise<Disposable>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A gateway heartbeats the records of its sessions every 10 s (the session hub); a record not heartbeated
 * for longer than this belongs to a gateway that died, and every reader (the API's session lists, the other
 * gateway replicas) treats it as gone.
 */
export const STALE_SESSION_MS = 60_000;

/** True when the record's gateway has been silent for longer than `staleAfterMs`: the session is gone. */
export function isStale(record: Pick<SessionRecord, 'heartbeatAt'>, now = Date.now(), staleAfterMs = STALE_SESSION_MS): boolean {
  return now - record.heartbeatAt > staleAfterMs;
}

/** Hits kept per key by `recordHit`: more than any limit counted with them, small enough to bound memory. */
export const MAX_HITS_PER_KEY = 1000;

/** Channel on which the server asks gateways to act on a session ({ type: 'kill', sessionId, by }). */
export const SESSION_CONTROL_CHANNEL = 'autolabs:session-control';

/**
 * Channel on which gateways report what must be audited ({ actorId, action, targetType, targetId, outcome,
 * detail }); the server writes these to audit_logs, because the gateway never touches the database.
 */
export const AUDIT_CHANNEL = 'autolabs:audit';

/** Channel on which gateways announce recordings ({ type: 'started' | 'finished', sessionId, ... }). */
export const RECORDING_CHANNEL = 'autolabs:recordings';
